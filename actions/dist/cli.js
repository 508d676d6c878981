#!/usr/bin/env node
import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{main}from"./chunks/chunk-RSJEHE7O.js";import"./chunks/chunk-EVCCHIZF.js";import"./chunks/chunk-XZR7ZCRY.js";import"./chunks/chunk-BGNME2OS.js";import"./chunks/chunk-UVUEN7MY.js";import"./chunks/chunk-3BFHPFDV.js";import"./chunks/chunk-UNYXES6D.js";import"./chunks/chunk-MUB5SSDP.js";import"./chunks/chunk-LUBSV3JX.js";import"./chunks/chunk-G3BODFVR.js";import"./chunks/chunk-Y4I422QX.js";import"./chunks/chunk-5FGGYVNB.js";var processOutput={out:text=>process.stdout.write(`${text}
`),err:text=>process.stderr.write(`${text}
`)};process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED??="true";process.exitCode=await main(process.argv.slice(2),processOutput);
