/** Row helpers shared by the repositories: both drivers return Date for timestamptz. */
export function iso(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return new Date(String(v)).toISOString();
}

export function isoOrUndefined(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : iso(v);
}

/**
 * A value already serialised to JSON (its text): kept as it is by json() instead of serialised
 * again, e.g. a webhook body written to the door journal and then stored.
 */
export class JsonText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  static of(v: unknown): JsonText {
    return v instanceof JsonText ? v : new JsonText(JSON.stringify(v ?? null));
  }
}

export function json(v: unknown): string {
  return v instanceof JsonText ? v.text : JSON.stringify(v ?? null);
}
