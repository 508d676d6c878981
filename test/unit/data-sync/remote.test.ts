import { ListObjectsV2Command, S3Client, type ListObjectsV2CommandInput } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { compareKeys, listRemote } from "../../../actions/src/data-sync/remote.js";

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: "us-east-1" });

/** ListObjectsV2 over `keys` as S3 answers it: sorted, StartAfter, MaxKeys, continuation. */
function bucketHolding(keys: readonly string[]): { inputs: ListObjectsV2CommandInput[] } {
  const sorted = [...keys].sort(compareKeys);
  const inputs: ListObjectsV2CommandInput[] = [];
  s3mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
    inputs.push(input);
    const after = input.ContinuationToken ?? input.StartAfter ?? "";
    const max = input.MaxKeys ?? 1000;
    const matching = sorted.filter(
      (k) => k.startsWith(input.Prefix ?? "") && compareKeys(k, after) > 0,
    );
    const page = matching.slice(0, max);
    const truncated = matching.length > max;
    return {
      Contents: page.map((Key) => ({ Key, Size: Key.length, ETag: `"${Key}"` })),
      IsTruncated: truncated,
      ...(truncated && { NextContinuationToken: page.at(-1) }),
    };
  });
  return { inputs };
}

const paths = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `train/${String(i % 7)}/${String(i).padStart(5, "0")}.jpg`);

beforeEach(() => {
  s3mock.reset();
});

describe("listRemote", () => {
  it("lists a prefix that holds what is expected in one parallel page per range", async () => {
    const expected = paths(2500);
    const { inputs } = bucketHolding([...expected.map((p) => `ds/${p}`), "other/x.jpg"]);
    const listing = await listRemote(s3, "b", "ds", { expected });
    expect(listing.requests).toBe(3);
    expect(listing.objects.map((o) => o.path)).toEqual([...expected].sort(compareKeys));
    expect(listing.objects.every((o) => o.size === `ds/${o.path}`.length)).toBe(true);
    // Three ranges started at once: the first from the prefix's start, the others after a key.
    expect(inputs.map((i) => i.StartAfter)).toEqual([
      undefined,
      `ds/${[...expected].sort(compareKeys)[999] ?? ""}`,
      `ds/${[...expected].sort(compareKeys)[1999] ?? ""}`,
    ]);
    expect(inputs.every((i) => i.ContinuationToken === undefined)).toBe(true);
  });

  it("finds every object once when the prefix holds more, less or other than expected", async () => {
    const expected = paths(40);
    const held = [
      ...expected.filter((_, i) => i % 5 !== 0), // some missing
      ...Array.from({ length: 30 }, (_, i) => `train/3/extra-${String(i)}.jpg`), // a crowd in one range
      "a-first.csv",
      "zz/last.bin",
      "train/", // a folder marker: left out
    ];
    bucketHolding(held.map((p) => `ds/${p}`));
    const listing = await listRemote(s3, "b", "ds/", { expected, pageSize: 10 });
    expect(listing.objects.map((o) => o.path)).toEqual(
      held.filter((p) => !p.endsWith("/")).sort(compareKeys),
    );
    expect(listing.requests).toBeGreaterThan(4); // the crowded range paged on
  });

  it("lists in sequence when nothing is expected", async () => {
    const { inputs } = bucketHolding(paths(25).map((p) => `ds/${p}`));
    const listing = await listRemote(s3, "b", "ds", { pageSize: 10 });
    expect(listing.objects).toHaveLength(25);
    expect(listing.requests).toBe(3);
    expect(inputs.map((i) => i.ContinuationToken === undefined)).toEqual([true, false, false]);
  });
});

describe("compareKeys", () => {
  it("orders by code point, as S3 orders UTF-8 keys (not by UTF-16 unit)", () => {
    const keys = ["b", "\u{1F600}", "\uFFFD", "a", "ab", "\uE000"];
    expect([...keys].sort(compareKeys)).toEqual(["a", "ab", "b", "\uE000", "\uFFFD", "\u{1F600}"]);
    // UTF-8 byte order agrees.
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...keys].sort(compareKeys)).toEqual(byBytes);
  });
});
