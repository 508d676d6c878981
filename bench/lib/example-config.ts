// config/mlops.yaml made runnable against the emulator, written to a temp dir: the data source
// becomes a generated local folder and relative paths become absolute. One more change: moto's
// training jobs complete at once reporting only `train:progress`, so the quality gate reads that
// metric (declared beside the others) instead of test:accuracy, which moto never reports.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./common.js";

export const EXAMPLE_CONFIG = join(REPO, "config", "mlops.yaml");

function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`config/mlops.yaml changed shape: ${String(from)} not found`);
  return out;
}

/** Writes `files` small files under DIR/data and DIR/mlops.yaml; returns the config's path. */
export function writeExampleConfig(dir: string, files: number): string {
  for (let i = 0; i < files; i++) {
    const folder = join(dir, "data", ["train", "valid", "test"][i % 3] ?? "train", `c${i % 7}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `img${i}.jpg`), `image ${i} `.repeat(50));
  }
  let text = readFileSync(EXAMPLE_CONFIG, "utf8");
  text = replaceOnce(text, /^(\s*source:) https:\S+$/m, `$1 ${join(dir, "data")}`);
  text = replaceOnce(text, "sourceDir: ../training", `sourceDir: ${join(REPO, "training")}`);
  text = replaceOnce(text, "code: ../lambda/dist", `code: ${join(REPO, "lambda", "dist")}`);
  text = replaceOnce(text, /\$schema=\S+/, `$schema=${join(REPO, "schemas", "mlops.schema.json")}`);
  text = replaceOnce(text, /metric: test:accuracy, min: [\d.]+/, "metric: train:progress, min: 0");
  text = replaceOnce(
    text,
    /^( {2}metrics:\n)/m,
    `$1    - { name: "train:progress", regex: "progress=([0-9.]+)" }\n`,
  );
  const path = join(dir, "mlops.yaml");
  writeFileSync(path, text);
  return path;
}
