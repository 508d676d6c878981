import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{annotateIssues,problemsLine,reportFailure,runAction}from"./chunk-3BRAU26P.js";import"./chunk-CRUGKZJI.js";import"./chunk-JCAODOMZ.js";import"./chunk-DG75GB3L.js";import"./chunk-L6VG7YUE.js";export{annotateIssues,problemsLine,reportFailure,runAction};
