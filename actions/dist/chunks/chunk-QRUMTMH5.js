import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{computePlan}from"./chunk-SJK355TM.js";async function runPlan(session){let state=await session.state.read();return computePlan({graph:session.graph,state,handlers:session.handlers,ctx:session.ctx,configFile:session.config.file})}export{runPlan};
