// What `mlops validate` checks of model.serve beyond AWS's limits (aws-limits.ts): that it does
// not meet environments (they deploy registry versions), that an adopted endpoint config comes
// with the model it names, and that the artifact is one .tar.gz object, not a prefix.
import type { ConfigPath } from "./issues.js";
import type { Config } from "./types.js";

interface Problem {
  path: ConfigPath;
  message: string;
}

const SERVE: ConfigPath = ["model", "serve"];

export function serveProblems(config: Config): Problem[] {
  const serve = config.model.serve;
  if (!serve) return [];
  const problems: Problem[] = [];
  if (config.environments) {
    problems.push({
      path: SERVE,
      message:
        "cannot be used with environments: they deploy registry versions of the model mlops " +
        "trains (registered after each passing run, approved with mlops promote). Remove " +
        "model.serve to train, register and promote through the environments, or remove " +
        "environments: to serve this artifact on the one endpoint",
    });
  }
  if (serve.adopt.endpointConfig !== undefined && serve.adopt.model === undefined) {
    problems.push({
      path: [...SERVE, "adopt", "endpointConfig"],
      message:
        "needs adopt.model too: an endpoint config names the model its variant serves, so " +
        "adopting the config means adopting that model (name it in adopt.model)",
    });
  }
  // The schema makes it s3://bucket/key. ModelDataUrl is one gzip'd tar; a prefix of files is
  // another request shape (ModelDataSource) that mlops does not send.
  // CreateModel's reference: ModelDataUrl "must point to a single gzip compressed tar archive
  // (.tar.gz suffix)".
  if (serve.artifact.endsWith("/")) {
    problems.push({
      path: [...SERVE, "artifact"],
      message: `"${serve.artifact}" is a prefix (a folder); SageMaker needs the model.tar.gz object in it (e.g. ${serve.artifact}model.tar.gz)`,
    });
  } else if (!serve.artifact.endsWith(".tar.gz")) {
    problems.push({
      path: [...SERVE, "artifact"],
      message: `"${serve.artifact}" does not end in .tar.gz; SageMaker serves a model from one gzip-compressed tar archive (model.tar.gz)`,
    });
  }
  return problems;
}
