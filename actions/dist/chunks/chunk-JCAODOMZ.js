import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
var OperationalError=class extends Error{name="OperationalError"};function isOperationalError(error){return error instanceof OperationalError||error instanceof Error&&error.name==="AbortError"}export{OperationalError,isOperationalError};
