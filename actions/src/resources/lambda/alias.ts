// lambda.alias: the alias clients call (e.g. `live`) and the published version behind it. The
// spec repeats the function's versioned fields (CodeSha256 and configuration); when the version
// the alias points at differs from them, apply publishes $LATEST (guarded by CodeSha256) and
// moves the alias to the new version. When it does not differ, nothing is published: a second
// apply makes no version. After a move, provisioned concurrency on the alias (it stays on the
// alias) is allocated to the new version: we wait for READY and report FAILED with its reason.
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
} from "@aws-sdk/client-lambda";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { Node } from "../../graph/graph.js";
import type { AliasSpec } from "../../graph/lambda-nodes.js";
import { diffFields } from "../diff-fields.js";
import type { Change, FieldChange, HandlerContext, ResourceHandler } from "../handler.js";
import { differReason, noop } from "../handler.js";
import {
  codeSha256Of,
  versionFields,
  waitForProvisioned,
  waitUntilSettled,
  type VersionFields,
} from "./common.js";
import { OperationalError } from "../../operational-errors.js";

export interface AliasObserved {
  /** The version the alias points at ("$LATEST" when it is not a published one). */
  functionVersion: string;
  /** That version's frozen code and configuration. */
  version: VersionFields;
}

const LATEST = "$LATEST";

function changesOf(node: Node<AliasSpec>, observed: AliasObserved): FieldChange[] {
  const unpublished: FieldChange[] =
    observed.functionVersion === LATEST
      ? [{ path: "functionVersion", before: LATEST, after: "a published version" }]
      : [];
  return [...unpublished, ...diffFields(observed.version, node.spec.version, "version")];
}

export const aliasHandler: ResourceHandler<AliasSpec, AliasObserved> = {
  kind: "lambda.alias",
  ownership: "parent",

  async prepare(node) {
    const codeSha256 = await codeSha256Of(node.spec.code);
    return { ...node, spec: { ...node.spec, version: { ...node.spec.version, codeSha256 } } };
  },

  async read(node, ctx) {
    const { functionName, alias } = node.spec;
    // Qualified by the alias, Lambda answers with the version the alias points to, its number
    // included: the alias and that version's settings in one round trip.
    const configuration = await readOrUndefined(`reading Lambda alias ${node.name}`, () =>
      ctx.clients.lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: alias }),
      ),
    );
    if (!configuration) return undefined;
    return {
      functionVersion: configuration.Version ?? LATEST,
      version: versionFields(configuration),
    };
  },

  diff(node, observed): Change {
    const changes = changesOf(node, observed);
    if (changes.length === 0) return noop(`${node.name} -> version ${observed.functionVersion}`);
    const versioned = changes.map((c) => ({ ...c, path: c.path.replace(/^version\./, "") }));
    return {
      action: "update",
      reason: `publish a new version (${differReason(versioned, { codeSha256: "code" })} from version ${observed.functionVersion}) and point ${node.spec.alias} at it`,
      changes,
      risk: [],
    };
  },

  async create(node, ctx) {
    return publishAndPoint(node, ctx);
  },

  async update(node, _observed, _change, ctx) {
    return publishAndPoint(node, ctx);
  },

  async delete(node, _observed, { clients: { lambda } }) {
    await deleteIfPresent(`deleting Lambda alias ${node.name}`, () =>
      lambda.send(
        new DeleteAliasCommand({ FunctionName: node.spec.functionName, Name: node.spec.alias }),
      ),
    );
  },
};

async function publishAndPoint(node: Node<AliasSpec>, ctx: HandlerContext): Promise<AliasObserved> {
  const { functionName: FunctionName, alias: Name, version: want } = node.spec;
  const lambda = ctx.clients.lambda;
  // PublishVersion returns the existing version when $LATEST has not changed since it was
  // published (e.g. an earlier apply published but failed to move the alias), and refuses
  // when $LATEST's code is not the planned code.
  const published = await withContext(
    `publishing a version of Lambda function ${FunctionName}`,
    () => lambda.send(new PublishVersionCommand({ FunctionName, CodeSha256: want.codeSha256 })),
  );
  const FunctionVersion = published.Version;
  if (FunctionVersion === undefined || FunctionVersion === LATEST) {
    throw new OperationalError(
      `publishing a version of Lambda function ${FunctionName}: no version returned`,
    );
  }
  const settled = await waitUntilSettled(ctx, FunctionName, { qualifier: FunctionVersion });
  const drift = diffFields(versionFields(settled), want, "version");
  if (drift.length > 0) {
    throw new OperationalError(
      `version ${FunctionVersion} of Lambda function ${FunctionName} does not match the config (${drift.map((c) => c.path).join(", ")}); was $LATEST changed meanwhile? Re-run apply`,
    );
  }
  // The alias may exist though the plan said create (an earlier attempt made it), or be gone
  // though the plan said update: take the call that fits what is there now.
  const exists =
    (await readOrUndefined(`reading Lambda alias ${node.name}`, () =>
      lambda.send(new GetAliasCommand({ FunctionName, Name })),
    )) !== undefined;
  ctx.logger.info(`${node.address}: pointing ${Name} at version ${FunctionVersion}`);
  await withContext(`${exists ? "updating" : "creating"} Lambda alias ${node.name}`, async () => {
    const input = { FunctionName, Name, FunctionVersion };
    if (exists) await lambda.send(new UpdateAliasCommand(input));
    else await lambda.send(new CreateAliasCommand(input));
  });
  await waitForProvisioned(ctx, FunctionName, Name);
  return { functionVersion: FunctionVersion, version: versionFields(settled) };
}
