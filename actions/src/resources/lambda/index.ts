// The Lambda capability's handlers (see graph/lambda-nodes.ts for how the nodes fit together).
import { aliasHandler } from "./alias.js";
import { functionHandler } from "./function.js";
import { functionUrlHandler } from "./function-url.js";
import { logGroupHandler } from "./log-group.js";
import { permissionHandler } from "./permission.js";
import { provisionedConcurrencyHandler } from "./provisioned-concurrency.js";
import { reservedConcurrencyHandler } from "./reserved-concurrency.js";

export const lambdaHandlers = [
  logGroupHandler,
  functionHandler,
  aliasHandler,
  reservedConcurrencyHandler,
  provisionedConcurrencyHandler,
  functionUrlHandler,
  permissionHandler,
] as const;
