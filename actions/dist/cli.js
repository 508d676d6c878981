#!/usr/bin/env node
import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{enableCompileCache}from"./chunks/chunk-OTKM7MOY.js";import"./chunks/chunk-L6VG7YUE.js";enableCompileCache();var{main}=await import("./chunks/main-H6ORAOUC.js"),{processOutput}=await import("./chunks/output-IJUAEUE7.js");process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED??="true";process.exitCode=await main(process.argv.slice(2),processOutput);
