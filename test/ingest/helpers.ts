import { createHmac, createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ReceivedWebhook } from "../../src/ingest/types.ts";

export const RECEIVED_AT = "2026-01-02T03:04:05.000Z";

export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), "utf8");
}

export function req(body: unknown, headers: Record<string, string | string[] | undefined> = {}): ReceivedWebhook {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  return { headers, body: buf, receivedAt: RECEIVED_AT };
}

export function hmacHex(secret: string, body: Buffer | string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// A minimal self-signed X.509 certificate built with node:crypto only (DER by hand), so the SNS
// tests exercise the real "certificate PEM" path, like the file downloaded from SigningCertURL.

function derLen(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), derLen(content.length), content]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const int = (n: number) => tlv(0x02, Buffer.from([n]));
const nul = () => Buffer.from([0x05, 0x00]);
function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) stack.unshift((v & 0x7f) | 0x80);
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const utcTime = (s: string) => tlv(0x17, Buffer.from(s, "ascii"));
const bitString = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const explicit0 = (b: Buffer) => tlv(0xa0, b);

export interface TestSigner {
  certificatePem: string;
  publicKeyPem: string;
  privateKey: KeyObject;
}

export function selfSignedCertificate(commonName = "sns.us-east-1.amazonaws.com"): TestSigner {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const sha256WithRSA = seq(oid("1.2.840.113549.1.1.11"), nul());
  const name = seq(set(seq(oid("2.5.4.3"), utf8(commonName))));
  const tbs = seq(explicit0(int(2)), int(1), sha256WithRSA, name, seq(utcTime("250101000000Z"), utcTime("491231235959Z")), name, spki);
  const signature = createSign("RSA-SHA256").update(tbs).sign(privateKey);
  const der = seq(tbs, sha256WithRSA, bitString(signature));
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n");
  return {
    certificatePem: `-----BEGIN CERTIFICATE-----\n${b64.trimEnd()}\n-----END CERTIFICATE-----\n`,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey,
  };
}

/** Signs an SNS message the way SNS does (string-to-sign per AWS docs), setting Signature. */
export function signSnsMessage(msg: Record<string, string | undefined>, key: KeyObject, version: "1" | "2" = "1"): Record<string, string | undefined> {
  const fields = msg.Type === "Notification" ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
  let s = "";
  for (const f of fields) if (msg[f] !== undefined && msg[f] !== null) s += `${f}\n${msg[f]}\n`;
  const signature = createSign(version === "1" ? "RSA-SHA1" : "RSA-SHA256")
    .update(s, "utf8")
    .sign(key, "base64");
  return { ...msg, SignatureVersion: version, Signature: signature };
}
