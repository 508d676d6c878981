#!/usr/bin/env node
import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{main}from"./chunks/chunk-IO5KAKQL.js";import"./chunks/chunk-VRLKBKO5.js";import"./chunks/chunk-PVXN7JMI.js";import"./chunks/chunk-QRUMTMH5.js";import"./chunks/chunk-WMYGEOVC.js";import"./chunks/chunk-XMUQYPBV.js";import"./chunks/chunk-UNYXES6D.js";import"./chunks/chunk-SJK355TM.js";import"./chunks/chunk-V32CLF3I.js";import"./chunks/chunk-WORVWJAN.js";import"./chunks/chunk-Y4I422QX.js";import"./chunks/chunk-5FGGYVNB.js";var processOutput={out:text=>process.stdout.write(`${text}
`),err:text=>process.stderr.write(`${text}
`)};process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED??="true";process.exitCode=await main(process.argv.slice(2),processOutput);
