// `mlops iam-policy --for plan|deploy`: the least-privilege policy a CI role needs for this
// config, to paste into the role (see the README's setup guide).
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createClients } from "../aws/clients.js";
import { loadConfig } from "../config/load.js";
import { buildGraph } from "../model/build-graph.js";
import { ciPolicy, type CiRole } from "../model/ci-policies.js";
import type { Output } from "./output.js";

export async function iamPolicyCommand(
  options: { config: string; role: CiRole; account: string | undefined },
  io: Output,
): Promise<number> {
  const config = loadConfig(options.config);
  // The account may be given so the policy can be printed before credentials exist.
  const account =
    options.account ??
    (await createClients(config.region).sts.send(new GetCallerIdentityCommand({}))).Account ??
    "";
  io.out(JSON.stringify(ciPolicy(config, buildGraph(config, { account }), options.role), null, 2));
  return 0;
}
