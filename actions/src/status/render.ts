// `mlops status` as text (the terminal) and markdown (the drift issue); JSON is the
// ServiceStatus itself. One function per section, in the order the sections are shown.
import type {
  AlarmStatus,
  EndpointStatus,
  LambdaStatus,
  ServiceStatus,
  TrainingRunStatus,
} from "./types.js";

const n = (v: number | undefined): string => (v === undefined ? "?" : String(v));

function endpointLines(e: EndpointStatus): string[] {
  if (e.status === undefined) return [`Endpoint ${e.name}: does not exist`];
  const i = e.instances ?? {};
  const scaling = i.min !== undefined ? `, scaling ${n(i.min)}-${n(i.max)}` : ", no auto-scaling";
  const since = e.servingSince ? ` since ${e.servingSince}` : "";
  const by = e.deployedBy === "retrain" ? " (deployed by a retrain)" : "";
  const version = e.modelVersion ? ` (registry version ${e.modelVersion})` : "";
  const capture = e.dataCapture?.enabled
    ? `${n(e.dataCapture.samplingPercentage)}% to ${e.dataCapture.destination ?? "?"}`
    : "off";
  return [
    `Endpoint ${e.name}: ${e.status}${e.failureReason ? ` (${e.failureReason})` : ""}`,
    `  instances: ${n(i.current)} now (desired ${n(i.desired)}) x ${e.instanceType ?? "?"}${scaling}`,
    `  model: ${e.model ?? "?"}${version}${since}${by}`,
    `  endpoint config: ${e.endpointConfig ?? "?"}`,
    `  data capture: ${capture}`,
  ];
}

function alarmLines(alarms: readonly AlarmStatus[]): string[] {
  if (alarms.length === 0) return ["Alarms: none (monitoring.alarms is off)"];
  const width = Math.max(...alarms.map((a) => a.name.length));
  return [
    "Alarms:",
    ...alarms.map(
      (a) =>
        `  ${a.name.padEnd(width)}  ${a.state}${a.since ? ` since ${a.since}` : ""}${a.state === "ALARM" && a.reason ? `: ${a.reason}` : ""}`,
    ),
  ];
}

function lambdaLines(l: LambdaStatus | undefined): string[] {
  if (!l) return [];
  if (l.version === undefined) return [`Lambda ${l.name}:${l.alias}: does not exist`];
  const p = l.provisionedConcurrency;
  const provisioned = p
    ? `provisioned concurrency ${n(p.available)}/${n(p.requested)} ${p.status ?? ""}`.trimEnd()
    : "no provisioned concurrency";
  const reserved = l.reservedConcurrency !== undefined ? `, reserved ${l.reservedConcurrency}` : "";
  const head = `Lambda ${l.name}:${l.alias}: version ${l.version}, ${provisioned}${reserved}`;
  return l.url ? [head, `  Function URL: ${l.url.url} (${l.url.authType})`] : [head];
}

function trainingLines(runs: readonly TrainingRunStatus[]): string[] {
  if (runs.length === 0) return ["Training runs: none"];
  return [
    "Training runs (latest first):",
    ...runs.map((r) => {
      const metrics = Object.entries(r.metrics)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      const when = r.endedAt ?? r.startedAt ?? "";
      return `  ${r.job}  ${r.status}${when ? `  ${when}` : ""}${metrics ? `  ${metrics}` : ""}${r.failureReason ? `  (${r.failureReason})` : ""}`;
    }),
  ];
}

/** The sections, in order; a capability adds its lines here. */
function sections(s: ServiceStatus): string[][] {
  return [
    endpointLines(s.endpoint),
    alarmLines(s.alarms),
    lambdaLines(s.lambda),
    trainingLines(s.training),
  ];
}

export function renderStatusText(s: ServiceStatus): string {
  const head = `Status of ${s.project} in ${s.account}/${s.region} at ${s.readAt}`;
  return [
    head,
    ...sections(s)
      .filter((lines) => lines.length > 0)
      .map((l) => l.join("\n")),
  ].join("\n\n");
}

export function renderStatusMarkdown(s: ServiceStatus): string {
  return `### Live status of \`${s.project}\`\n\n\`\`\`text\n${renderStatusText(s)}\n\`\`\``;
}
