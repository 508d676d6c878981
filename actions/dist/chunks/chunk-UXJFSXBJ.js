import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{computePlan}from"./chunk-RI5L56Z2.js";async function runPlan(session){return computePlan({graph:session.graph,state:session.state.read(),handlers:session.handlers,ctx:session.ctx,configFile:session.config.file})}export{runPlan};
