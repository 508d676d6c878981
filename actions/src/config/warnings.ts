// What a valid config may still get wrong on purpose: `mlops validate` prints these (and the
// validate action annotates them) but accepts the config. Each names the field it is about.
import type { ConfigPath } from "./issues.js";
import { trainingCodeProblems } from "./semantic-rules.js";
import type { Config } from "./types.js";

export interface Warning {
  path: ConfigPath;
  message: string;
}

export function configWarnings(config: Config): Warning[] {
  return [...publicUrlWarnings(config), ...servedModelWarnings(config)];
}

function publicUrlWarnings(config: Config): Warning[] {
  const lambda = config.lambda;
  if (lambda?.url?.auth !== "NONE") return [];
  return [
    {
      path: ["lambda", "url", "auth"],
      message:
        `is NONE: the Function URL of ${lambda.name} is public, anyone on the internet can call ` +
        `it and every call runs (and bills) the endpoint; its only throttle is ` +
        `reservedConcurrency (${String(lambda.reservedConcurrency ?? "unset")})`,
    },
  ];
}

// The gate is kept (mlops train still applies it), so it is a warning, not an error; so is
// training code that is not there yet (`mlops import` writes a config before the code is added).
function servedModelWarnings(config: Config): Warning[] {
  if (!config.model.serve) return [];
  const code = trainingCodeProblems(config).map((p) => ({
    ...p,
    message: `${p.message}: mlops train needs it (apply serves model.serve and trains nothing)`,
  }));
  if (!config.model.qualityGate) return code;
  return [
    {
      path: ["model", "qualityGate"],
      message:
        "applies only to models mlops trains (mlops train): the artifact in model.serve is " +
        "deployed as it is, without a gate",
    },
    ...code,
  ];
}
