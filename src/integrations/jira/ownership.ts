import type { JiraSyncField, JiraSyncValues } from "./port.ts";

/**
 * Declared field ownership between aisre and the humans editing the Jira issue. aisre owns status
 * (it follows the incident), severity/priority and the timeline summary; humans own the assignee
 * and everything else. aisre writes a field it owns whenever it differs; it writes a human-owned
 * field only while nobody has changed it since aisre last synced it, and never after.
 * Pure: the caller brings the current values and the values last synced.
 */

export type FieldOwner = "aisre" | "human";
export type Ownership = Partial<Record<JiraSyncField, FieldOwner>>;

export const DEFAULT_OWNERSHIP: Ownership = { status: "aisre", priority: "aisre", severity: "aisre", timeline: "aisre" };

export function ownerOf(field: JiraSyncField, ownership: Ownership = DEFAULT_OWNERSHIP): FieldOwner {
  return ownership[field] ?? "human";
}

export interface SyncPlan {
  /** Fields to write now, with aisre's values. */
  write: Partial<JiraSyncValues>;
  /** Human-owned fields a person changed since the last sync: left as they are. */
  keptHumanEdits: Array<{ field: JiraSyncField; human: unknown; wanted: unknown }>;
  /** The last-synced values to store once the write succeeds. */
  synced: Partial<JiraSyncValues>;
}

function norm(v: unknown): string {
  if (v === undefined || v === null || v === "") return "null";
  if (Array.isArray(v)) return JSON.stringify([...v].map(String).sort());
  return JSON.stringify(v);
}

export const sameValue = (a: unknown, b: unknown): boolean => norm(a) === norm(b);

export function planFieldSync(input: { desired: Partial<JiraSyncValues>; current: JiraSyncValues; lastSynced: Partial<JiraSyncValues>; ownership?: Ownership }): SyncPlan {
  const { desired, current, lastSynced } = input;
  const write: Record<string, unknown> = {};
  const kept: SyncPlan["keptHumanEdits"] = [];
  const synced: Record<string, unknown> = { ...lastSynced };
  for (const field of Object.keys(desired) as JiraSyncField[]) {
    const wanted = desired[field];
    if (wanted === undefined) continue;
    const now = current[field];
    if (ownerOf(field, input.ownership) === "aisre") {
      if (!sameValue(wanted, now)) write[field] = wanted;
      synced[field] = wanted;
      continue;
    }
    const last = lastSynced[field];
    // Never synced: aisre may only fill an empty field. Synced before: only while nobody changed it.
    const untouched = last === undefined ? norm(now) === "null" : sameValue(now, last);
    if (!untouched) {
      if (!sameValue(wanted, now)) kept.push({ field, human: now, wanted });
      continue;
    }
    if (!sameValue(wanted, now)) write[field] = wanted;
    synced[field] = wanted;
  }
  return { write: write as Partial<JiraSyncValues>, keptHumanEdits: kept, synced: synced as Partial<JiraSyncValues> };
}
