import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
function formatValue(value,max=160){let text=JSON.stringify(value)??"(none)";return text.length>max?`${text.slice(0,max-1)}…`:text}export{formatValue};
