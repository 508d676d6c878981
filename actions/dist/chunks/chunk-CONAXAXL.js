import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{_ep03 as _ep0,_mw03 as _mw0,command3 as command}from"./chunk-23H27NJY.js";import{ListTrainingJobs$}from"./chunk-CLEVWQ33.js";var ListTrainingJobsCommand=class extends command(_ep0,_mw0,"ListTrainingJobs",ListTrainingJobs$){};export{ListTrainingJobsCommand};
