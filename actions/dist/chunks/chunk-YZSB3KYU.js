import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);
import{summary}from"./chunk-CRUGKZJI.js";var FENCE=/^ {0,3}(`{3,}|~{3,})/;function truncateMarkdown(markdown,limit,note){if(markdown.length<=limit)return{text:markdown,truncated:!1};let lines=markdown.split(`
`),kept=[],size=0,fence,details=0,closers=(openFence,openDetails)=>(openFence===void 0?"":`
${openFence}`)+`

</details>`.repeat(openDetails),tail=`

${note}`;for(let line of lines){let nextFence=fence,nextDetails=details,marker=FENCE.exec(line)?.[1];fence===void 0?marker!==void 0?nextFence=marker:(nextDetails+=count(line,/<details\b/gi),nextDetails=Math.max(0,nextDetails-count(line,/<\/details>/gi))):marker!==void 0&&marker[0]===fence[0]&&marker.length>=fence.length&&line.trim()===marker&&(nextFence=void 0);let added=(kept.length===0?0:1)+line.length;if(size+added+closers(nextFence,nextDetails).length+tail.length>limit)break;kept.push(line),size+=added,fence=nextFence,details=nextDetails}return{text:`${kept.join(`
`)}${closers(fence,details)}${tail}`,truncated:!0}}function count(text,pattern){return text.match(pattern)?.length??0}var SUMMARY_LIMIT=1e6;async function writeSummary(markdown,overflowNote){if(!process.env.GITHUB_STEP_SUMMARY)return;let{text}=truncateMarkdown(markdown,SUMMARY_LIMIT,overflowNote);await summary.addRaw(text,!0).write()}export{truncateMarkdown,writeSummary};
