#!/usr/bin/env node
import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{main}from"./chunks/chunk-YVUO3AR5.js";import"./chunks/chunk-HAJ7PYDW.js";import"./chunks/chunk-ZLGZMFTX.js";import"./chunks/chunk-OS3DVCNS.js";import"./chunks/chunk-P4QRDNW7.js";import"./chunks/chunk-UNYXES6D.js";import"./chunks/chunk-E25PT7S5.js";import"./chunks/chunk-4OXKHEPD.js";import"./chunks/chunk-USNMZTEW.js";import"./chunks/chunk-5FGGYVNB.js";var processOutput={out:text=>process.stdout.write(`${text}
`),err:text=>process.stderr.write(`${text}
`)};process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED??="true";process.exitCode=await main(process.argv.slice(2),processOutput);
