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

/**
 * Tags a service sets itself, which the tool neither plans nor removes: AWS's own (`aws:`), and
 * SageMaker's on what Studio, projects or the SDK made (`sagemaker:project-name`,
 * `sagemaker-sdk:...`), which a hand-made model or endpoint config may carry when adopted.
 */
export const isServiceTag = (key: string): boolean =>
  key.startsWith("aws:") || key.startsWith("sagemaker:") || key.startsWith("sagemaker-sdk:");

/** Keys to set (new or changed values) and keys to remove (never a service's own). */
export function tagDelta(current: Tags, desired: Tags): { set: Tags; remove: string[] } {
  const set: Tags = {};
  for (const [k, v] of Object.entries(desired)) if (current[k] !== v) set[k] = v;
  const remove = Object.keys(current).filter((k) => !(k in desired) && !isServiceTag(k));
  return { set, remove };
}
