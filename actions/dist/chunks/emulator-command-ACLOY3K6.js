import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{startEmulator}from"./chunk-OKAKJBZD.js";import"./chunk-JCAODOMZ.js";import"./chunk-L6VG7YUE.js";async function emulatorCommand(options,io){let emulator=await startEmulator({...options.port!==void 0&&{port:options.port}});io.out(`Local AWS emulator on ${emulator.endpoint} (Ctrl-C to stop). In another shell:
`);for(let[k,v]of Object.entries(emulator.env()))io.out(`  export ${k}=${v}`);return io.out(`
then: npx mlops plan`),await new Promise(resolve=>{process.once("SIGINT",resolve),process.once("SIGTERM",resolve)}),await emulator.stop(),0}export{emulatorCommand};
