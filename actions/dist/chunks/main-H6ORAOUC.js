import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{main}from"./chunk-GGBPO23Y.js";import"./chunk-WN3LTDSA.js";import"./chunk-DULPD6XK.js";import"./chunk-JCAODOMZ.js";import"./chunk-DG75GB3L.js";import"./chunk-L6VG7YUE.js";export{main};
