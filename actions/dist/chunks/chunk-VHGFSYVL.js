import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{computePlan}from"./chunk-RFAGZM3K.js";async function runPlan(session){return computePlan({graph:session.graph,state:session.state.read(),handlers:session.handlers,ctx:session.ctx,configFile:session.config.file})}export{runPlan};
