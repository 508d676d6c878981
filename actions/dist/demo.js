#!/usr/bin/env node
import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{main,startEmulator}from"./chunks/chunk-CFHZG4YK.js";import"./chunks/chunk-Y4I422QX.js";import"./chunks/chunk-5FGGYVNB.js";import{dirname}from"node:path";import{fileURLToPath}from"node:url";import{join as join2}from"node:path";import{spawnSync}from"node:child_process";import{existsSync,mkdirSync,readFileSync,rmSync,writeFileSync}from"node:fs";import{join}from"node:path";function demoConfig(options){return`# yaml-language-server: $schema=${options.repoRoot}/schemas/mlops.schema.json
# Written by \`npm run demo\`: the dog-breed service's shape on generated shapes data.
version: 1
project: demo
region: us-east-1
tags: { purpose: demo }
data:
  source: ${options.dataDir}
  bucket: demo-\${account}-\${region}
  prefix: images/
  delete: true
training:
  backend: local
  sourceDir: ${options.repoRoot}/training
  hyperparameters: { epochs: ${options.epochs}, arch: resnet18, image-size: 32, batch-size: 32, learning-rate: 0.0005, pretrained: false, seed: 0 }
  local: { python: /usr/bin/python3 }
model:
  qualityGate: { metric: test_accuracy, min: 0.6 }
endpoint:
  name: demo-shapes
  instanceType: ml.m5.large
  autoscaling:
    minCapacity: 1
    maxCapacity: ${options.maxCapacity}
    targetInvocationsPerInstance: 20
    scaleInCooldown: 30s
    scaleOutCooldown: 30s
lambda:
  name: demo-shapes-inference
  code: ${options.repoRoot}/lambda/dist
  alias: live
  provisionedConcurrency: 2
  reservedConcurrency: 5
`}async function runDemo(options){let{repoRoot:repoRoot2,workDir,say}=options,steps=[],check=(name,ok,detail)=>{if(steps.push({name,ok,detail}),say(`${ok?"✔":"✘"} ${name}${detail?`: ${detail}`:""}`),!ok)throw new Error(`demo step failed: ${name}`)};rmSync(workDir,{recursive:!0,force:!0}),mkdirSync(workDir,{recursive:!0});let dataDir=join(workDir,"data"),configFile=join(workDir,"mlops.yaml"),writeConfig=(maxCapacity,epochs)=>{writeFileSync(configFile,demoConfig({repoRoot:repoRoot2,dataDir,maxCapacity,epochs}))};say("Starting the local AWS emulator (moto plus the operations it lacks)...");let emulator=await startEmulator({updateDelayMs:500,keepAlive:options.keep}),savedEnv={...process.env};Object.assign(process.env,emulator.env(),{MLOPS_CACHE_DIR:join(workDir,"cache")});try{check("emulator",!0,emulator.endpoint);let gen=spawnSync("/usr/bin/python3",[join(repoRoot2,"training/generate_data.py"),"--out",dataDir,"--classes","4","--per-class-train","30","--per-class-valid","8","--per-class-test","8","--seed","0"],{encoding:"utf8"});check("generate sample data",gen.status===0,gen.status===0?gen.stdout.trim():gen.stderr.trim()),writeConfig(3,2);let mlops=async(...args)=>run([...args,"--config",configFile]),valid=await mlops("validate");check("mlops validate",valid.code===0,valid.out.trim());let plan=await mlops("plan","--markdown-out",join(workDir,"plan.md"),"--out",join(workDir,"plan.json"));say(indent(plan.out));let planned=JSON.parse(readFileSync(join(workDir,"plan.json"),"utf8"));check("mlops plan: everything to create",plan.code===0&&planned.changes.every(c=>c.action==="create"),`${planned.changes.length} resources; the PR comment is in ${join(workDir,"plan.md")}`);let apply=await mlops("apply","--plan",join(workDir,"plan.json"),"--auto-approve");say(indent(apply.out)),check("mlops apply",apply.code===0,lastLine(apply.out));let again=await mlops("plan","--detailed-exitcode");check("second mlops plan reports no changes",again.code===0,lastLine(again.out,1)),writeConfig(5,2);let changed=await mlops("plan","--detailed-exitcode");say(indent(changed.out)),check("changed config gives a plan with changes",changed.code===2,"");let apply2=await mlops("apply","--auto-approve");check("apply the change",apply2.code===0,lastLine(apply2.out));let final=await mlops("plan","--detailed-exitcode");return check("converged",final.code===0,"no changes"),steps}finally{if(options.keep){say(`
The emulator keeps running at ${emulator.endpoint} (pid ${emulator.pid}). To use the CLI against it:`);for(let[k,v]of Object.entries(emulator.env()))say(`  export ${k}=${v}`);say(`  node actions/dist/cli.js plan --config ${configFile}`),say(`Stop it with: kill ${emulator.pid}`),emulator.release()}else await emulator.stop();process.env=savedEnv}}async function run(argv){let out="",err="",code=await main(argv,{out:t=>out+=`${t}
`,err:t=>err+=`${t}
`});return code!==0&&code!==2&&err&&process.stderr.write(err),{code,out,err}}function indent(text){return text.trimEnd().split(`
`).map(l=>`    ${l}`).join(`
`)}function lastLine(text,fromEnd=0){let lines=text.trimEnd().split(`
`);return lines[lines.length-1-fromEnd]??""}function findRepoRoot(start){let dir=start;for(;!existsSync(join(dir,"training","train.py"))||!existsSync(join(dir,"package.json"));){let parent=join(dir,"..");if(parent===dir)throw new Error("run the demo from the project's folder");dir=parent}return dir}process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED??="true";var repoRoot=findRepoRoot(dirname(fileURLToPath(import.meta.url))),started=Date.now();try{let steps=await runDemo({repoRoot,workDir:join2(repoRoot,".demo"),keep:process.argv.includes("--keep"),say:line=>process.stdout.write(`${line}
`)});process.stdout.write(`
Demo complete: ${steps.length} steps passed in ${Math.round((Date.now()-started)/1e3)}s.
`)}catch(error){process.stderr.write(`
Demo failed: ${error instanceof Error?error.message:String(error)}
`),process.exitCode=1}
