import { hmacSha256Hex, safeEqual } from "../../ingest/util.ts";

/**
 * PagerDuty v3 webhook signatures: `X-PagerDuty-Signature` holds one or more comma-separated
 * `v1=<hex hmac-sha256(secret, raw body)>` values (several during a secret rotation). A webhook is
 * authentic when any value matches any of our secrets (several on our side during our rotation).
 * Every pair is compared in constant time, without stopping at the first match.
 */
export function verifyPagerDutySignature(rawBody: Buffer | string, header: string | string[] | undefined, secrets: string[]): boolean {
  const value = Array.isArray(header) ? header.join(",") : header;
  if (!value || secrets.length === 0) return false;
  const given = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.startsWith("v1="))
    .map((s) => s.toLowerCase());
  let matched = false;
  for (const secret of secrets) {
    const expected = `v1=${hmacSha256Hex(secret, rawBody)}`;
    for (const g of given) if (safeEqual(g, expected)) matched = true;
  }
  return matched;
}

/** The header value PagerDuty would send for this body, one `v1=` per secret. */
export function signPagerDutyBody(rawBody: Buffer | string, secrets: string[]): string {
  return secrets.map((s) => `v1=${hmacSha256Hex(s, rawBody)}`).join(",");
}
