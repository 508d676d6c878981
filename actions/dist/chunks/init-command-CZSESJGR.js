import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{githubRepository,readToolPackage,toolRoot}from"./chunk-3OBVZ5NL.js";import{UsageError}from"./chunk-WN3LTDSA.js";import{loadConfig}from"./chunk-DULPD6XK.js";import{OperationalError}from"./chunk-JCAODOMZ.js";import{ConfigError,formatIssue}from"./chunk-DG75GB3L.js";import"./chunk-L6VG7YUE.js";import{existsSync,mkdirSync,readFileSync as readFileSync2,statSync,writeFileSync}from"node:fs";import{basename,dirname as dirname2,isAbsolute,join as join2,resolve}from"node:path";import{spawnSync}from"node:child_process";var SHA=/^[0-9a-f]{40}$/,REPOSITORY=/^[\w.-]+\/[\w.-]+$/;function resolveActionsRef(toolRoot2,given){let pkg=readToolPackage(toolRoot2),repository=given.repository??pkg.repository??originRepository(toolRoot2);if(repository===void 0)throw new UsageError("cannot tell which GitHub repository the actions come from (package.json has no repository and this checkout no GitHub origin): pass --actions-repo OWNER/REPO");if(!REPOSITORY.test(repository))throw new UsageError(`--actions-repo must be OWNER/REPO, not "${repository}"`);let tag=given.tag??`v${pkg.version.split(".")[0]??"0"}`;if(given.sha!==void 0){let sha2=given.sha.toLowerCase();if(!SHA.test(sha2))throw new UsageError(`--actions-sha must be a full 40-character commit SHA, not "${given.sha}"`);return{repository,tag,sha:sha2}}let sha=localTagCommit(toolRoot2,tag)??remoteTagCommit(`https://github.com/${repository}.git`,tag);return{repository,tag,sha}}function originRepository(toolRoot2){let r=git(toolRoot2,["remote","get-url","origin"]);return r.ok?githubRepository(r.out):void 0}function localTagCommit(toolRoot2,tag){let r=git(toolRoot2,["rev-parse","--verify","--quiet",`refs/tags/${tag}^{commit}`]);return r.ok&&SHA.test(r.out)?r.out:void 0}function remoteTagCommit(url,tag){let r=git(process.cwd(),["ls-remote","--tags",url,`refs/tags/${tag}`,`refs/tags/${tag}^{}`]);if(!r.ok)throw new OperationalError(`cannot read tag ${tag} of ${url} (git ls-remote: ${r.err||"failed"}); pass --actions-sha with the commit of the release to use`);let plain,peeled;for(let line of r.out.split(`
`)){let[sha2,ref]=line.split("	");sha2===void 0||!SHA.test(sha2)||(ref===`refs/tags/${tag}^{}`?peeled=sha2:ref===`refs/tags/${tag}`&&(plain=sha2))}let sha=peeled??plain;if(sha===void 0)throw new OperationalError(`${url} has no tag ${tag}; pass --actions-ref with a released tag, or --actions-sha`);return sha}function git(cwd,args){let r=spawnSync("git",args,{cwd,encoding:"utf8",timeout:3e4,env:{...process.env,GIT_TERMINAL_PROMPT:"0"}});return{ok:r.status===0,out:r.stdout.trim(),err:r.stderr.trim()||(r.error?.message??"")}}import{readFileSync}from"node:fs";import{dirname,join,posix,relative,sep}from"node:path";var TRAINING_FILES=["train.py","inference.py","artifacts.py","checkpoint.py","data.py","distributed.py","engine.py","model_def.py","settings.py","serve.py","generate_data.py","requirements.txt"],WORKFLOWS=["plan.yml","deploy.yml","retrain.yml","drift.yml"],OUR_DEPLOY_GROUP="mlops-deploy-dog-breeds",OUR_CONFIG="config/mlops.yaml";function scaffold(toolRoot2,options){let files=new Map;files.set(options.configPath,configYaml(options));for(let name of TRAINING_FILES)files.set(`training/${name}`,readFileSync(join(toolRoot2,"training",name),"utf8"));files.set("data/README.md",DATA_README);for(let name of WORKFLOWS){let ours=readFileSync(join(toolRoot2,".github","workflows",name),"utf8");files.set(`.github/workflows/${name}`,versionedWorkflow(ours,name,options))}return files}function fromConfig(configPath,target){let rel=relative(dirname(configPath)||".",target).split(sep).join(posix.sep);return rel===""?".":rel}function schemaUrl(actions){return`https://raw.githubusercontent.com/${actions.repository}/${actions.sha}/schemas/mlops.schema.json`}function configYaml(o){let training={sagemaker:`  # A managed SageMaker training job (PyTorch script mode) per run.
  framework: { name: pytorch, version: "2.3", python: py311 }
  instance: { type: ml.m5.xlarge, count: 1 }
  spot: { enabled: false }
  maxRuntime: 2h`,ec2:`  # An ephemeral GPU runner (the retrain workflow starts it, trains, terminates it).
  ec2:
    # G5 first, G4dn if G5 capacity is short; spot first, on-demand as fallback.
    instanceTypes: [g5.xlarge, g4dn.xlarge]
    market: spot-with-fallback
    maxLifetime: 3h
    idleTimeout: 15m`,local:`  # Trains on the machine that runs mlops (in CI: the deploy job's runner), with this
  # interpreter, which needs torch, torchvision and training/requirements.txt installed.
  local: { python: python3 }`}[o.backend];return`# yaml-language-server: $schema=${schemaUrl(o.actions)}
#
# Written by \`mlops init\`. One file declares the ML service: the data set in S3, how the
# model is trained, the quality gate it must pass and the SageMaker endpoint serving it.
# \`npx mlops validate\` checks it, \`npx mlops plan\` shows what would change in AWS, and the
# workflows in .github/workflows plan every pull request and apply every merge.
# Paths are relative to this file; the schema above describes every field.
version: 1
# Prefixes every AWS name the tool derives (roles, models, training jobs): keep it short.
project: ${o.project}
region: ${o.region}

data:
  # Images in ImageFolder layout: train/, valid/ and test/, one folder per class
  # (see ${fromConfig(o.configPath,"data")}/README.md). Synced to S3 by content hash.
  source: ${fromConfig(o.configPath,"data")}
  exclude: [README.md]
  # One bucket per account and region; \${account} comes from STS at plan time.
  bucket: ${o.project}-\${account}-\${region}
  prefix: images/
  # Never delete objects that vanished from the folder unless asked to.
  delete: false

training:
  backend: ${o.backend}
  entryPoint: train.py
  sourceDir: ${fromConfig(o.configPath,"training")}
${training}
  # Passed to train.py as --name value (see training/settings.py for all of them).
  hyperparameters:
    epochs: 10
    batch-size: 64
    learning-rate: 0.001
  metrics:
    - { name: test:accuracy, regex: "test_accuracy=([0-9.]+)" }
    - { name: valid:loss, regex: "val_loss=([0-9.]+)" }

model:
  # A model that scores below this on the test split is not deployed. test_accuracy is a key
  # of the metrics.json train.py writes, so the gate works on every backend.
  qualityGate: { metric: test_accuracy, min: 0.7 }
  # Superseded models and endpoint configs kept for a rollback.
  keep: 3

endpoint:
  # Clients use this name; it never changes across model updates.
  name: ${o.project}
  instanceType: ml.m5.large
  initialInstanceCount: 1

iam:
  # The roles the tool creates live under this path, with generated least-privilege policies.
  path: /mlops/
`}function versionedWorkflow(text,name,o){let{repository,sha,tag}=o.actions,local=0,out=text.replace(/^(\s*(?:- )?uses: )\.\/actions\/([a-z0-9-]+)\s*$/gm,(_m,lead,action)=>(local++,`${lead}${repository}/actions/${action}@${sha} # ${tag}`));if(local===0)throw new Error(`.github/workflows/${name} uses none of our actions: init's template is out of date`);if(/\.\/actions\//.test(out))throw new Error(`.github/workflows/${name} refers to ./actions/ in a form init does not rewrite`);return out.includes(OUR_DEPLOY_GROUP)&&(out=out.replaceAll(OUR_DEPLOY_GROUP,`mlops-deploy-${o.project}`)),out=out.replaceAll(OUR_CONFIG,o.configPath),out}var DATA_README=`# Training data

Put the data set here in ImageFolder layout, one folder per class in each split:

    data/train/<class>/*.jpg
    data/valid/<class>/*.jpg
    data/test/<class>/*.jpg

\`mlops apply\` syncs it to the data bucket by content hash (this README is excluded in
config/mlops.yaml). To try the pipeline first, generate a small synthetic set of shapes:

    python training/generate_data.py --out data --classes 5 --per-class-train 40 --seed 0

For a large data set kept elsewhere, set \`data.source\` to an \`s3://\` prefix (used in place)
or an \`https://\` zip archive instead.
`;function readmeSection(o){return`## ML service (mlops)

\`${o.configPath}\` declares the service: data, training (\`training/\`), quality gate and
endpoint. It is reconciled by [mlops](https://github.com/${o.actions.repository}): pull
requests get the plan as a comment, merges to \`main\` apply it, and the \`retrain\` workflow
(Actions → retrain → Run workflow) trains with other hyperparameters.

\`\`\`sh
npx mlops validate                  # check ${o.configPath}
npx mlops plan                      # what would change in AWS, and why
npx mlops apply                     # make AWS match (asks first)
npx mlops train --set epochs=20     # retrain now, deploy if the quality gate passes
\`\`\`

The workflows use the mlops actions at ${o.actions.tag} (\`${o.actions.repository}/actions/*@${o.actions.sha.slice(0,12)}…\`).
One-time set-up of the AWS roles and GitHub settings: see the mlops set-up guide
(https://github.com/${o.actions.repository}/blob/${o.actions.sha}/docs/setup.md).
`}var README_BEGIN="<!-- mlops init: begin -->",README_END="<!-- mlops init: end -->";function withReadmeSection(existing,section){let block=`${README_BEGIN}
${section}${README_END}
`;if(existing===void 0||existing.trim()==="")return block;let begin=existing.indexOf(README_BEGIN),end=existing.indexOf(README_END);return begin>=0&&end>begin?existing.slice(0,begin)+block+existing.slice(end+README_END.length).replace(/^\n/,""):`${existing.replace(/\n*$/,`
`)}
${block}`}var PROJECT=/^[a-z0-9](-?[a-z0-9])*$/,REGION=/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/;function initCommand(options,io){let dir=resolve(options.dir);if(existsSync(dir)&&!statSync(dir).isDirectory())throw new UsageError(`${options.dir} is not a folder`);if(isAbsolute(options.config)||options.config.split(/[\\/]/).includes(".."))throw new UsageError(`--config must be a path inside the project folder, not ${options.config}`);let configPath=options.config.replace(/\\/g,"/").replace(/^\.\//,""),project=options.project??projectFromFolder(dir);if(!PROJECT.test(project)||project.length<2||project.length>40)throw new UsageError(`--project "${project}" must be 2 to 40 lower-case letters, digits and single hyphens (it prefixes AWS names)`);if(!REGION.test(options.region))throw new UsageError(`--region "${options.region}" is not an AWS region name (e.g. eu-west-1)`);let root=toolRoot(),actions=resolveActionsRef(root,{repository:options.actionsRepo,tag:options.actionsRef,sha:options.actionsSha}),scaffoldOptions={project,region:options.region,backend:options.backend,configPath,actions},files=scaffold(root,scaffoldOptions),readmePath=join2(dir,"README.md"),readme=existsSync(readmePath)?readFileSync2(readmePath,"utf8"):void 0,newReadme=withReadmeSection(readme,readmeSection(scaffoldOptions)),hadSection=readme?.includes(README_BEGIN)===!0,existing=[...files.keys()].filter(path=>{let full=join2(dir,path);return existsSync(full)&&readFileSync2(full,"utf8")!==files.get(path)});if(hadSection&&newReadme!==readme&&existing.push("README.md (its mlops section)"),existing.length>0&&!options.force)return io.err(`mlops init: these already exist in ${options.dir} and differ from what init writes:
${existing.map(p=>`  ${p}`).join(`
`)}
Nothing was written. Run again with --force to overwrite them.`),1;for(let[path,contents]of files){let full=join2(dir,path);mkdirSync(dirname2(full),{recursive:!0}),writeFileSync(full,contents)}writeFileSync(readmePath,newReadme);try{loadConfig(join2(dir,configPath))}catch(error){throw error instanceof ConfigError?new OperationalError(`init wrote an invalid ${configPath} (please report it):
${error.issues.map(formatIssue).join(`
`)}`):error}let overwritten=new Set(existing);io.out(`Initialised ${project} in ${options.dir} (actions ${actions.repository}@${actions.tag}, ${actions.sha.slice(0,12)}):`);for(let path of files.keys())io.out(`  ${overwritten.has(path)?"overwrote":"wrote"} ${path}`);return io.out(`  ${readme===void 0?"wrote":"updated"} README.md (the mlops section)`),io.out(`
Next:
  1. put the data set in data/ (data/README.md), or point data.source at it
  2. npx mlops validate --config ${join2(options.dir,configPath)}
  3. npx mlops plan --config ${join2(options.dir,configPath)}   (needs AWS credentials)
  4. set up the CI roles and GitHub settings once: docs/setup.md of ${actions.repository}`),0}function projectFromFolder(dir){return basename(dir).toLowerCase().replace(/[^a-z0-9]+/g,"-").replace(/^-+|-+$/g,"").slice(0,40).replace(/-+$/,"")}export{initCommand};
