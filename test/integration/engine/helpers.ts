// Shared by the engine integration tests: a workspace (config, training code, data files) in a
// temp dir, the CLI run in-process with its output captured, and the CLI bundled once so a test
// can run it as a real process (and kill it).
import { ListRolesCommand, type IAMClient } from "@aws-sdk/client-iam";
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Plan } from "../../../actions/src/plan/types.js";
import { cli } from "../../support/cli.js";

export const REPO = new URL("../../../", import.meta.url).pathname;
const FIXTURE = readFileSync(join(REPO, "test/fixtures/engine/data-iam.yaml"), "utf8");

/** The kinds these tests are about; other kinds (added by other capabilities) are not asserted. */
export const ENGINE_KINDS = new Set([
  "s3.bucket",
  "s3.dataset",
  "iam.role",
  "iam.instance-profile",
]);

export interface Workspace {
  dir: string;
  config: string;
  project: string;
  /** The data bucket's name in the emulator's account. */
  bucket: string;
  writeData(name: string, content: string | Uint8Array): void;
  editConfig(edit: (text: string) => string): void;
  remove(): void;
}

let counter = 0;

/** A workspace with `files` data files (small, distinct contents) and the fixture config. */
export function makeWorkspace(options: { files?: number; fileBytes?: number } = {}): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "mlops-engine-"));
  const project = `eng${process.pid.toString(36)}${(counter++).toString(36)}`;
  mkdirSync(join(dir, "training"));
  writeFileSync(join(dir, "training/train.py"), "print('test_accuracy=0.9')\n");
  const writeData = (name: string, content: string | Uint8Array): void => {
    const path = join(dir, "data", name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  };
  const files = options.files ?? 6;
  const size = options.fileBytes ?? 64;
  for (let i = 0; i < files; i++) {
    const split = ["train", "valid", "test"][i % 3] ?? "train";
    writeData(`${split}/class${i % 2}/img${i}.jpg`, `${i}:`.padEnd(size, "x"));
  }
  const config = join(dir, "mlops.yaml");
  writeFileSync(config, FIXTURE.replaceAll("__PROJECT__", project));
  return {
    dir,
    config,
    project,
    bucket: `${project}-123456789012-us-east-1`,
    writeData,
    editConfig(edit) {
      writeFileSync(config, edit(readFileSync(config, "utf8")));
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `mlops plan --format json`, parsed. */
export async function planJson(config: string): Promise<Plan> {
  const run = await cli(["plan", "--config", config, "--format", "json"]);
  if (run.code !== 0) throw new Error(`plan failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Plan;
}

/** address -> action, for the kinds these tests are about. */
export function actions(plan: Plan): Record<string, string> {
  return Object.fromEntries(
    plan.changes.filter((c) => ENGINE_KINDS.has(c.kind)).map((c) => [c.address, c.action]),
  );
}

/** Bundles the CLI entry into a temp dir (the same way scripts/build.mjs does) and returns it. */
export async function bundleCli(): Promise<{ path: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "mlops-cli-"));
  const path = join(dir, "cli.mjs");
  await build({
    entryPoints: [join(REPO, "actions/src/entries/cli.ts")],
    outfile: path,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    logLevel: "warning",
    banner: {
      js: "import { createRequire as __mlopsCreateRequire } from 'node:module';const require = __mlopsCreateRequire(import.meta.url);",
    },
  });
  return {
    path,
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Names of the roles that start with `project`, over every page (the emulator is shared). */
export async function roleNames(iam: IAMClient, project: string): Promise<string[]> {
  const names: string[] = [];
  let Marker: string | undefined;
  do {
    const out = await iam.send(new ListRolesCommand({ Marker }));
    names.push(...(out.Roles ?? []).map((r) => r.RoleName ?? ""));
    Marker = out.IsTruncated === true ? out.Marker : undefined;
  } while (Marker !== undefined);
  return names.filter((n) => n.startsWith(project)).sort();
}
