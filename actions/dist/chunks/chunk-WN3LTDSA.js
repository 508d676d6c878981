import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
var UsageError=class extends Error{constructor(message){super(message),this.name="UsageError"}};export{UsageError};
