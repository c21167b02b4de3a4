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

/**
 * One webhook delivery as JSON text, `{"s": source, "d": delivery id, "b": body}`, its body's text put
 * in as it is (see json): a line of the door journal, and an element of the array the deliveries
 * repository stores in one statement.
 */
export function deliveryJson(source: string, deliveryId: string, body: unknown): string {
  return `{"s":${JSON.stringify(source)},"d":${JSON.stringify(deliveryId)},"b":${json(body)}}`;
}
