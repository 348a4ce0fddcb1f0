/** ALTER TYPE ... ADD VALUE or RENAME VALUE. */
export type EnumChange =
  | { action: 'add'; value: string; neighbor: { value: string; after: boolean } | null; ifNotExists: boolean }
  | { action: 'rename'; from: string; to: string };

/** An enum's labels after the change (unchanged when IF NOT EXISTS skips it), or PostgreSQL's refusal. */
export function changedLabels(
  labels: readonly string[],
  change: EnumChange,
): string[] | { code: string; message: string } {
  const missing = (label: string) => ({
    code: 'undefined-enum-value',
    message: `"${label}" is not an existing enum label`,
  });
  const duplicate = (label: string) => ({
    code: 'duplicate-enum-value',
    message: `enum label "${label}" already exists`,
  });
  if (change.action === 'rename') {
    if (!labels.includes(change.from)) return missing(change.from);
    if (labels.includes(change.to)) return duplicate(change.to);
    return labels.map((label) => (label === change.from ? change.to : label));
  }
  if (labels.includes(change.value)) return change.ifNotExists ? [...labels] : duplicate(change.value);
  if (change.neighbor === null) return [...labels, change.value];
  const index = labels.indexOf(change.neighbor.value);
  if (index === -1) return missing(change.neighbor.value);
  const next = [...labels];
  next.splice(change.neighbor.after ? index + 1 : index, 0, change.value);
  return next;
}
