import { describe, expect, it } from "vitest";
import type { ManifestEntry } from "../../../actions/src/data-sync/manifest-entry.js";
import { makeManifest } from "../../../actions/src/data-sync/manifest.js";
import { describeSyncPlan, planSync } from "../../../actions/src/data-sync/plan.js";

const e = (path: string, size: number, etag: string): ManifestEntry => ({ path, size, etag });

interface Row {
  name: string;
  local: ManifestEntry[];
  remote: ManifestEntry[];
  del: boolean;
  upload: [string, "missing" | "changed"][];
  delete: string[];
  keep: string[];
  unchanged: number;
  uploadBytes: number;
}

const rows: Row[] = [
  {
    name: "empty remote: everything is uploaded",
    local: [e("a", 1, "x"), e("b", 2, "y")],
    remote: [],
    del: true,
    upload: [
      ["a", "missing"],
      ["b", "missing"],
    ],
    delete: [],
    keep: [],
    unchanged: 0,
    uploadBytes: 3,
  },
  {
    name: "identical: nothing to do",
    local: [e("a", 1, "x")],
    remote: [e("a", 1, "x")],
    del: true,
    upload: [],
    delete: [],
    keep: [],
    unchanged: 1,
    uploadBytes: 0,
  },
  {
    name: "same size, different ETag: changed",
    local: [e("a", 4, "new")],
    remote: [e("a", 4, "old")],
    del: false,
    upload: [["a", "changed"]],
    delete: [],
    keep: [],
    unchanged: 0,
    uploadBytes: 4,
  },
  {
    name: "same ETag, different size: changed",
    local: [e("a", 4, "x")],
    remote: [e("a", 5, "x")],
    del: false,
    upload: [["a", "changed"]],
    delete: [],
    keep: [],
    unchanged: 0,
    uploadBytes: 4,
  },
  {
    name: "extraneous deleted when asked",
    local: [e("a", 1, "x")],
    remote: [e("z", 1, "q"), e("a", 1, "x"), e("b/c", 1, "r")],
    del: true,
    upload: [],
    delete: ["b/c", "z"],
    keep: [],
    unchanged: 1,
    uploadBytes: 0,
  },
  {
    name: "extraneous kept otherwise",
    local: [e("a", 1, "x")],
    remote: [e("a", 1, "x"), e("z", 1, "q")],
    del: false,
    upload: [],
    delete: [],
    keep: ["z"],
    unchanged: 1,
    uploadBytes: 0,
  },
  {
    name: "multipart ETag from another part size counts as changed",
    local: [e("big", 20, "aaa-3")],
    remote: [e("big", 20, "bbb-4")],
    del: true,
    upload: [["big", "changed"]],
    delete: [],
    keep: [],
    unchanged: 0,
    uploadBytes: 20,
  },
];

describe("planSync", () => {
  it.each(rows)("$name", (row) => {
    const plan = planSync(makeManifest(row.local), row.remote, row.del);
    expect(plan.upload.map((u) => [u.path, u.reason])).toEqual(row.upload);
    expect(plan.delete).toEqual(row.delete);
    expect(plan.keep).toEqual(row.keep);
    expect(plan.unchanged).toBe(row.unchanged);
    expect(plan.uploadBytes).toBe(row.uploadBytes);
  });

  it("describes itself in one line for the plan", () => {
    const plan = planSync(
      makeManifest([e("a", 3 * 1024 * 1024, "x"), e("b", 1, "y"), e("c", 1, "z")]),
      [e("b", 1, "y"), e("old", 1, "q")],
      true,
    );
    expect(describeSyncPlan(plan)).toBe("upload 2 files (3.0 MiB), delete 1 object, 1 unchanged");
    const keep = planSync(makeManifest([]), [e("old", 1, "q"), e("old2", 1, "q")], false);
    expect(describeSyncPlan(keep)).toBe("keep 2 extraneous objects, 0 unchanged");
  });
});
