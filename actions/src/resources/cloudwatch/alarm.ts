// cloudwatch.alarm: one of the tool's metric alarms (graph/alarm-nodes.ts). PutMetricAlarm
// creates and replaces the whole definition; tags given to it on an existing alarm are ignored
// (AWS), so tags change through TagResource/UntagResource.
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import { deleteIfPresent, readOrUndefined, withContext } from "../../aws/errors.js";
import type { AlarmSpec } from "../../graph/alarm-nodes.js";
import type { Node } from "../../graph/graph.js";
import { diffFields } from "../diff-fields.js";
import type { Change, HandlerContext, ResourceHandler } from "../handler.js";
import { changedFields, differReason, noop } from "../handler.js";
import { tagDelta, tagsFromList, tagsToList, type Tags } from "../tags.js";

export interface AlarmObserved {
  definition: AlarmSpec;
  tags: Tags;
}

export const alarmArn = (ctx: HandlerContext, name: string): string =>
  `arn:${ctx.graph.partition}:cloudwatch:${ctx.graph.region}:${ctx.graph.account}:alarm:${name}`;

/** The alarm as DescribeAlarms reports it, or undefined when there is none of that name. */
export async function describeAlarms(
  ctx: HandlerContext,
  names: readonly string[],
): Promise<MetricAlarm[]> {
  if (names.length === 0) return [];
  const out = await withContext(`reading alarms ${names.join(", ")}`, () =>
    ctx.clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [...names], AlarmTypes: ["MetricAlarm"] }),
    ),
  );
  return out.MetricAlarms ?? [];
}

function definitionOf(a: MetricAlarm): AlarmSpec {
  return {
    description: a.AlarmDescription ?? "",
    namespace: a.Namespace ?? "",
    metricName: a.MetricName ?? "",
    dimensions: (a.Dimensions ?? []).map((d) => ({ name: d.Name ?? "", value: d.Value ?? "" })),
    ...(a.Statistic !== undefined && { statistic: a.Statistic as "Sum" | "Average" }),
    ...(a.ExtendedStatistic !== undefined && { extendedStatistic: a.ExtendedStatistic }),
    periodSeconds: a.Period ?? 0,
    evaluationPeriods: a.EvaluationPeriods ?? 0,
    datapointsToAlarm: a.DatapointsToAlarm ?? a.EvaluationPeriods ?? 0,
    threshold: a.Threshold ?? 0,
    comparisonOperator: a.ComparisonOperator as "GreaterThanThreshold",
    treatMissingData: (a.TreatMissingData ?? "missing") as "notBreaching",
    actions: [...new Set([...(a.AlarmActions ?? []), ...(a.OKActions ?? [])])].sort(),
  };
}

const desired = (node: Node<AlarmSpec>): AlarmObserved => ({
  definition: { ...node.spec, actions: [...node.spec.actions].sort() },
  tags: node.tags,
});

async function putAlarm(node: Node<AlarmSpec>, ctx: HandlerContext, tags?: Tags): Promise<void> {
  const s = node.spec;
  await withContext(`putting alarm ${node.name}`, () =>
    ctx.clients.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: node.name,
        AlarmDescription: s.description,
        Namespace: s.namespace,
        MetricName: s.metricName,
        Dimensions: s.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
        ...(s.statistic !== undefined && { Statistic: s.statistic }),
        ...(s.extendedStatistic !== undefined && { ExtendedStatistic: s.extendedStatistic }),
        Period: s.periodSeconds,
        EvaluationPeriods: s.evaluationPeriods,
        DatapointsToAlarm: s.datapointsToAlarm,
        Threshold: s.threshold,
        ComparisonOperator: s.comparisonOperator,
        TreatMissingData: s.treatMissingData,
        ActionsEnabled: true,
        AlarmActions: s.actions,
        OKActions: s.actions,
        ...(tags !== undefined && { Tags: tagsToList(tags) }),
      }),
    ),
  );
}

export const alarmHandler: ResourceHandler<AlarmSpec, AlarmObserved> = {
  kind: "cloudwatch.alarm",
  // Someone may have made it by hand under the name the tool derives: taking it over is an adoption.
  ownership: "tags",

  createSummary: (node) => node.spec.description.replace(/ \(mlops-gitops\)$/, ""),

  async read(node, ctx) {
    const [alarm] = await describeAlarms(ctx, [node.name]);
    if (!alarm) return undefined;
    const tags = await readOrUndefined(`reading the tags of alarm ${node.name}`, () =>
      ctx.clients.cloudwatch.send(
        new ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn ?? alarmArn(ctx, node.name) }),
      ),
    );
    return { definition: definitionOf(alarm), tags: tagsFromList(tags?.Tags) };
  },

  diff(node, observed): Change {
    const changes = diffFields(observed, desired(node));
    if (changes.length === 0) return noop();
    return { action: "update", reason: differReason(changes), changes, risk: [] };
  },

  async create(node, ctx) {
    await putAlarm(node, ctx, node.tags);
    return desired(node);
  },

  async update(node, observed, change, ctx) {
    const fields = changedFields(change);
    if (fields.has("definition")) await putAlarm(node, ctx);
    if (fields.has("tags")) {
      const ResourceARN = alarmArn(ctx, node.name);
      const { set, remove } = tagDelta(observed.tags, node.tags);
      if (Object.keys(set).length > 0) {
        await withContext(`tagging alarm ${node.name}`, () =>
          ctx.clients.cloudwatch.send(
            new TagResourceCommand({ ResourceARN, Tags: tagsToList(set) }),
          ),
        );
      }
      if (remove.length > 0) {
        await withContext(`untagging alarm ${node.name}`, () =>
          ctx.clients.cloudwatch.send(new UntagResourceCommand({ ResourceARN, TagKeys: remove })),
        );
      }
    }
    return desired(node);
  },

  async delete(node, _observed, ctx) {
    await deleteIfPresent(`deleting alarm ${node.name}`, () =>
      ctx.clients.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [node.name] })),
    );
  },
};
