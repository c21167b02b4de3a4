/** Row helpers shared by the repositories: both drivers return Date for timestamptz. */
export function iso(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return new Date(String(v)).toISOString();
}

export function isoOrUndefined(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : iso(v);
}

export function json(v: unknown): string {
  return JSON.stringify(v ?? null);
}
