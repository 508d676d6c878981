// Tags as a plain record, converted from and to the shapes the services use.

export type Tags = Record<string, string>;

export function tagsFromList(
  list: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Tags {
  const tags: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
  return tags;
}

export function tagsToList(tags: Tags): { Key: string; Value: string }[] {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key] ?? "" }));
}

/** Keys to set (new or changed values) and keys to remove (never AWS's own). */
export function tagDelta(current: Tags, desired: Tags): { set: Tags; remove: string[] } {
  const set: Tags = {};
  for (const [k, v] of Object.entries(desired)) if (current[k] !== v) set[k] = v;
  const remove = Object.keys(current).filter((k) => !(k in desired) && !k.startsWith("aws:"));
  return { set, remove };
}
