// Names, labels and tags of EC2 runners: one place, so start, stop and the janitor agree on what
// "an instance (or runner) of this project" is.
import { randomBytes } from "node:crypto";
import type { Config } from "../config/types.js";
import { MANAGED_BY } from "../graph/graph.js";

export const TAG = {
  project: "mlops:project",
  managedBy: "mlops:managed-by",
  runId: "mlops:run-id",
  runAttempt: "mlops:run-attempt",
  expiresAt: "mlops:expires-at",
  runnerName: "mlops:runner-name",
  label: "mlops:runner-label",
} as const;

/** GitHub refuses longer runner names. */
export const RUNNER_NAME_MAX = 64;

export interface RunIdentity {
  /** GITHUB_RUN_ID */
  id: string;
  /** GITHUB_RUN_ATTEMPT */
  attempt: string;
}

/** 80 random bits: a label nobody guesses (it still shows in the job's own log). */
export const randomSuffix = (): string => randomBytes(10).toString("hex");

/** The label a job targets with `runs-on`: unique per start (`mlops-<run>-<attempt>-<random>`). */
export function runnerLabel(run: RunIdentity, random: string = randomSuffix()): string {
  return `mlops-${safe(run.id)}-${safe(run.attempt)}-${safe(random)}`;
}

/** Longest part of the project name that goes into a runner name. */
const PROJECT_PART_MAX = 30;

/**
 * Every runner this project registers starts with this; the janitor only touches those (the
 * `-mlops-` keeps it off runners people named after the project themselves).
 */
export const runnerNamePrefix = (project: string): string =>
  `${project.slice(0, PROJECT_PART_MAX)}-mlops-`;

/**
 * `<project>-mlops-<run>-<attempt>-<random>`, within GitHub's limit. Its random part is not the
 * label's: the name is logged, and must not tell which label takes the runner.
 */
export function runnerName(
  project: string,
  run: RunIdentity,
  random: string = randomSuffix(),
): string {
  return `${project.slice(0, PROJECT_PART_MAX)}-${runnerLabel(run, random)}`.slice(
    0,
    RUNNER_NAME_MAX,
  );
}

export interface RunnerTagInput {
  config: Pick<Config, "project" | "tags">;
  run: RunIdentity;
  runnerName: string;
  label: string;
  expiresAt: Date;
}

/** Tags of the instance and its volumes: the user's tags, then ours (ours win). */
export function runnerTags(input: RunnerTagInput): Record<string, string> {
  return {
    ...input.config.tags,
    [TAG.project]: input.config.project,
    [TAG.managedBy]: MANAGED_BY,
    [TAG.runId]: input.run.id,
    [TAG.runAttempt]: input.run.attempt,
    [TAG.expiresAt]: input.expiresAt.toISOString(),
    [TAG.runnerName]: input.runnerName,
    [TAG.label]: input.label,
    Name: input.runnerName,
  };
}

/** EC2 filters for this project's instances (optionally one run's) that are not gone yet. */
export function projectFilters(
  project: string,
  options: { runId?: string; states?: readonly string[] } = {},
): { Name: string; Values: string[] }[] {
  return [
    { Name: `tag:${TAG.project}`, Values: [project] },
    { Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] },
    ...(options.runId === undefined ? [] : [{ Name: `tag:${TAG.runId}`, Values: [options.runId] }]),
    {
      Name: "instance-state-name",
      Values: [...(options.states ?? ["pending", "running", "stopping", "stopped"])],
    },
  ];
}

const safe = (part: string): string => part.replace(/[^A-Za-z0-9]/g, "").slice(0, 20) || "x";
