import { createHash, createHmac, hash, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import { fromZodError, WebhookParseError } from "./errors.ts";
import type { VerifyResult, WebhookRequest } from "./types.ts";

/** A header by name, case-insensitively; the first value when repeated. */
export function header(req: WebhookRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.toLowerCase() !== lower || v === undefined) continue;
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/** Short stable hash (hex) of strings or bytes: delivery ids and fingerprints when the sender gives none. */
export function stableHash(...parts: Array<string | Buffer>): string {
  // Strings (the common case: a delivery id from a group's alerts): one call hashes them joined, the
  // same bytes (each part's UTF-8 and a NUL) as the incremental hash below, at a fraction of its cost.
  if (parts.length > 0 && parts.every((p) => typeof p === "string")) return hash("sha256", `${parts.join("\u0000")}\u0000`, "hex").slice(0, 32);
  const h = createHash("sha256");
  for (const p of parts) {
    h.update(p);
    h.update("\u0000");
  }
  return h.digest("hex").slice(0, 32);
}

/** The body as JSON; a WebhookParseError on `body` otherwise. */
export function parseJsonBody(source: string, req: WebhookRequest): unknown {
  return parseJsonText(source, req.body.toString("utf8"), "body");
}

export function parseJsonText(source: string, text: string, field: string): unknown {
  if (text.trim() === "") throw new WebhookParseError(source, field, "empty; expected a JSON document");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WebhookParseError(source, field, `not valid JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

/** Validates with zod; the first issue becomes a WebhookParseError naming the field (under prefix). */
export function parseWith<S extends z.ZodType>(source: string, schema: S, value: unknown, prefix = ""): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw fromZodError(source, r.error, prefix);
  return r.data;
}

/** Go's zero time, which Alertmanager sends as endsAt of firing alerts. */
const ZERO_TIMES = new Set(["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"]);

/**
 * A sender's timestamp as ISO 8601 UTC: RFC 3339 with any fraction (Go sends nanoseconds), offsets
 * with or without a colon (CloudWatch sends `+0000`), epoch seconds or milliseconds (as number or
 * digits). Undefined for empty values and Go's zero time; throws WebhookParseError otherwise.
 */
export function toIso(source: string, field: string, value: string | number | null | undefined): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number" || /^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    const ms = n > 1e11 ? n : n * 1000;
    const d = new Date(ms);
    if (!Number.isFinite(d.getTime())) throw new WebhookParseError(source, field, `not a time: ${JSON.stringify(value)}`);
    return d.toISOString();
  }
  if (ZERO_TIMES.has(value) || value.startsWith("0001-01-01T")) return undefined;
  let s = value.trim();
  // Trim fractions beyond milliseconds and add the colon to a bare ±HHMM offset.
  s = s.replace(/(\.\d{3})\d+/, "$1").replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const d = new Date(s);
  if (!Number.isFinite(d.getTime())) throw new WebhookParseError(source, field, `not a time: ${JSON.stringify(value)}`);
  return d.toISOString();
}

export function hmacSha256Hex(secret: string, body: Buffer | string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** Constant-time string comparison (false on different lengths without comparing contents). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

/**
 * Checks `<prefix><hex hmac-sha256(secret, raw body)>` values in a header. Several values may be
 * sent, comma-separated (PagerDuty during its secret rotation), and several secrets may be
 * configured (ours during our rotation): any value matching any secret is enough.
 */
export function verifyHmacHeader(req: WebhookRequest, headerName: string, prefix: string, secret: string | string[] | undefined): VerifyResult {
  const secrets = (Array.isArray(secret) ? secret : [secret]).filter((s): s is string => typeof s === "string" && s !== "");
  if (secrets.length === 0) return { ok: true };
  const value = header(req, headerName);
  if (!value) return { ok: false, reason: `missing ${headerName} header` };
  const candidates = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  let matched = false;
  // Compare every pair (no early exit) so the timing says nothing about which matched.
  for (const key of secrets) {
    const expected = prefix + hmacSha256Hex(key, req.body);
    for (const c of candidates) if (safeEqual(c.toLowerCase(), expected)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: `no ${headerName} value matches the configured secret` };
}

/**
 * An HMAC of the body, for senders of the token-only sources (Alertmanager, Datadog, Argo CD) that
 * can sign, or a relay in front of them: `X-Aisre-Signature: sha256=<hex hmac-sha256(secret, raw
 * body)>` with the source's secret. Undefined when the header is absent (the token decides then);
 * present, it decides: a wrong signature is refused even with a right token.
 */
export function verifyOptionalSignature(req: WebhookRequest, secret: string | undefined): VerifyResult | undefined {
  if (!secret || header(req, "x-aisre-signature") === undefined) return undefined;
  return verifyHmacHeader(req, "x-aisre-signature", "sha256=", secret);
}

/**
 * Shared token for senders that cannot sign (Datadog, Argo CD): `X-Aisre-Token: <secret>` or
 * `Authorization: Bearer <secret>`. A token proves who sent, not what: it does not bind the body,
 * so `X-Aisre-Signature` (an HMAC of the body with the same secret) is accepted instead.
 */
export function verifySharedToken(req: WebhookRequest, secret: string | undefined): VerifyResult {
  if (!secret) return { ok: true };
  const signed = verifyOptionalSignature(req, secret);
  if (signed) return signed;
  const token = header(req, "x-aisre-token");
  const auth = header(req, "authorization");
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, "").trim() : undefined;
  const given = token ?? bearer;
  if (!given) return { ok: false, reason: "missing X-Aisre-Token (or Authorization: Bearer) header" };
  return safeEqual(given.trim(), secret) ? { ok: true } : { ok: false, reason: "token does not match the configured secret" };
}

/** Drops undefined values so objects compare and serialise cleanly. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
