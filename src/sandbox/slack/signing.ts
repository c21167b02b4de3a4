import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack's v0 request signature: `v0=hex(hmac_sha256(secret, "v0:" + ts + ":" + body))`. */
export function slackSignature(signingSecret: string, timestamp: number | string, body: string | Buffer): string {
  const h = createHmac("sha256", signingSecret);
  h.update(`v0:${timestamp}:`);
  h.update(body);
  return `v0=${h.digest("hex")}`;
}

/** The two headers Slack adds to every request it sends to an app. */
export function signedHeaders(signingSecret: string, body: string | Buffer, nowSec = Math.floor(Date.now() / 1000)): Record<string, string> {
  return { "x-slack-request-timestamp": String(nowSec), "x-slack-signature": slackSignature(signingSecret, nowSec, body) };
}

/** Verifies a signed request as an app must: right signature, timestamp within 5 minutes. */
export function verifySlackSignature(signingSecret: string, headers: Record<string, string | string[] | undefined>, body: string | Buffer, nowSec = Math.floor(Date.now() / 1000)): boolean {
  const ts = Number(headers["x-slack-request-timestamp"]);
  const sig = headers["x-slack-signature"];
  if (!Number.isFinite(ts) || typeof sig !== "string") return false;
  if (Math.abs(nowSec - ts) > 300) return false;
  const expected = Buffer.from(slackSignature(signingSecret, ts, body));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
