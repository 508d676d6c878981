#!/usr/bin/env node
import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{main}from"./chunks/chunk-R6IPF5SN.js";import"./chunks/chunk-RARWRNRZ.js";import"./chunks/chunk-EKSGGXY7.js";import"./chunks/chunk-Q5VL77BP.js";import"./chunks/chunk-P2DOVDCA.js";import"./chunks/chunk-K5SIENPG.js";import"./chunks/chunk-UNYXES6D.js";import"./chunks/chunk-4JOREYR3.js";import"./chunks/chunk-OFXAGUF3.js";import"./chunks/chunk-G3BODFVR.js";import"./chunks/chunk-Y4I422QX.js";import"./chunks/chunk-5FGGYVNB.js";var processOutput={out:text=>process.stdout.write(`${text}
`),err:text=>process.stderr.write(`${text}
`)};process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED??="true";process.exitCode=await main(process.argv.slice(2),processOutput);
