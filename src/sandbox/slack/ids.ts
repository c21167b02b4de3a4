import { randomBytes } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** A Slack-looking id: a prefix letter and upper-case alphanumerics (C0123ABCD, V0456EFGH…). */
export function slackId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const byte of bytes) out += ALNUM.charAt(byte % ALNUM.length);
  return out;
}

export function randomHex(bytes = 16): string {
  return randomBytes(bytes).toString("hex");
}

/**
 * Message timestamps: "seconds.microseconds", unique and increasing across the workspace, as
 * Slack's are within a channel (they double as message ids).
 */
export class TsClock {
  private last = 0;
  next(nowMs = Date.now()): string {
    let micros = Math.floor(nowMs * 1000);
    if (micros <= this.last) micros = this.last + 1;
    this.last = micros;
    const s = Math.floor(micros / 1_000_000);
    const us = micros % 1_000_000;
    return `${s}.${String(us).padStart(6, "0")}`;
  }
}

/** A Slack trigger_id: "<digits>.<digits>.<hex>". */
export function triggerId(): string {
  const n = () => String(Math.floor(Math.random() * 1e12)).padStart(12, "0");
  return `${n()}.${n()}.${randomHex(16)}`;
}
