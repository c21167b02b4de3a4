import { randomBytes } from "node:crypto";

/** Incident ids are short, sortable by creation time (`now`: the system's, from the Clock port) and readable out loud on a bridge call. */
export function newIncidentId(now: Date): string {
  const stamp = now.toISOString().slice(0, 10).replaceAll("-", "");
  return `INC-${stamp}-${randomBytes(3).toString("hex")}`;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}
