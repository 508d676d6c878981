import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{main}from"./chunk-JM4XZ6BZ.js";import"./chunk-WN3LTDSA.js";import"./chunk-2VRRWKCN.js";import"./chunk-JCAODOMZ.js";import"./chunk-DG75GB3L.js";import"./chunk-L6VG7YUE.js";export{main};
