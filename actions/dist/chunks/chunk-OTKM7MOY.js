import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import*as nodeModule from"node:module";function enableCompileCache2(){nodeModule.enableCompileCache?.()}export{enableCompileCache2 as enableCompileCache};
