// The first AWS request of plan, apply and train is STS GetCallerIdentity (session.ts). Their
// entries start it here, before they import the action's code (the whole AWS SDK, about half a
// second to load), so that the round trip overlaps that load instead of following it. This
// module imports the STS client only; the session takes the answer if the region matches.
import {
  GetCallerIdentityCommand,
  STSClient,
  type GetCallerIdentityCommandOutput,
} from "@aws-sdk/client-sts";
import { clientSettings } from "./client-settings.js";

let started: { region: string; identity: Promise<GetCallerIdentityCommandOutput> } | undefined;

/** Asks STS who we are, in the region the environment names (none named: nothing is asked). */
export function startIdentityCheck(env: NodeJS.ProcessEnv = process.env): void {
  const region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"];
  if (region === undefined || region === "") return;
  // Whatever goes wrong (a bad region included) is the session's to report, as its own request's
  // failure would be: a rejection, never a throw before the action's error handling is loaded.
  const identity = Promise.resolve().then(() =>
    new STSClient(clientSettings(region)).send(new GetCallerIdentityCommand({})),
  );
  identity.catch(() => undefined); // taken by the session; never an unhandled rejection
  started = { region, identity };
}

/** The answer started for `region`, once (a later session asks again); otherwise undefined. */
export function takeEarlyIdentity(
  region: string,
): Promise<GetCallerIdentityCommandOutput> | undefined {
  const early = started;
  started = undefined;
  return early?.region === region ? early.identity : undefined;
}
