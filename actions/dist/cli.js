#!/usr/bin/env node
import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{main}from"./chunks/chunk-RJ3ZMLKV.js";import"./chunks/chunk-L53O5AGA.js";import"./chunks/chunk-M6FKGHOE.js";import"./chunks/chunk-OVZ6P4NE.js";import"./chunks/chunk-MQF42Q6E.js";import"./chunks/chunk-CU7LXRRD.js";import"./chunks/chunk-UNYXES6D.js";import"./chunks/chunk-DYMSLCVZ.js";import"./chunks/chunk-4OKSGJ7I.js";import"./chunks/chunk-4OXKHEPD.js";import"./chunks/chunk-USNMZTEW.js";import"./chunks/chunk-5FGGYVNB.js";var processOutput={out:text=>process.stdout.write(`${text}
`),err:text=>process.stderr.write(`${text}
`)};process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED??="true";process.exitCode=await main(process.argv.slice(2),processOutput);
