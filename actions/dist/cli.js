#!/usr/bin/env node
import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{main}from"./chunks/chunk-FNR3QXVY.js";import"./chunks/chunk-VRLKBKO5.js";import"./chunks/chunk-2EDLWI5L.js";import"./chunks/chunk-VGIONOMP.js";import"./chunks/chunk-FG6YQVJX.js";import"./chunks/chunk-V74IZCPD.js";import"./chunks/chunk-UNYXES6D.js";import"./chunks/chunk-G5NGHRDO.js";import"./chunks/chunk-V32CLF3I.js";import"./chunks/chunk-WORVWJAN.js";import"./chunks/chunk-Y4I422QX.js";import"./chunks/chunk-5FGGYVNB.js";var processOutput={out:text=>process.stdout.write(`${text}
`),err:text=>process.stderr.write(`${text}
`)};process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED??="true";process.exitCode=await main(process.argv.slice(2),processOutput);
