import { createPublicKey, createVerify, type KeyObject } from "node:crypto";
import type { VerifyResult } from "./types.ts";

/** The fields of an SNS message that take part in its signature (HTTPS body or Lambda `Records[].Sns`). */
export interface SnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string | null;
  SubscribeURL?: string;
  Token?: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
}

/**
 * The canonical string SNS signs, exactly as the AWS docs build it: `Name\nvalue\n` pairs in this
 * order. Notification: Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type.
 * SubscriptionConfirmation / UnsubscribeConfirmation: Message, MessageId, SubscribeURL, Timestamp,
 * Token, TopicArn, Type.
 */
export function snsStringToSign(m: SnsMessage): string {
  const pairs: Array<[string, string | null | undefined]> =
    m.Type === "Notification"
      ? [
          ["Message", m.Message],
          ["MessageId", m.MessageId],
          ["Subject", m.Subject],
          ["Timestamp", m.Timestamp],
          ["TopicArn", m.TopicArn],
          ["Type", m.Type],
        ]
      : [
          ["Message", m.Message],
          ["MessageId", m.MessageId],
          ["SubscribeURL", m.SubscribeURL],
          ["Timestamp", m.Timestamp],
          ["Token", m.Token],
          ["TopicArn", m.TopicArn],
          ["Type", m.Type],
        ];
  let out = "";
  for (const [k, v] of pairs) if (v !== undefined && v !== null) out += `${k}\n${v}\n`;
  return out;
}

/** Public keys from a PEM bundle: certificates (as served at SigningCertURL) and/or bare public keys. */
export function snsKeysFromPem(pem: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/g) ?? [];
  const keys: KeyObject[] = [];
  for (const b of blocks) {
    if (/BEGIN (RSA )?PRIVATE KEY/.test(b)) continue;
    keys.push(createPublicKey(b));
  }
  return keys;
}

/** Region of an SNS topic ARN (`arn:aws:sns:us-east-1:123456789012:name`), with its partition. */
export function topicRegion(topicArn: string): { region: string; partition: string } | undefined {
  const m = /^arn:(aws|aws-cn|aws-us-gov):sns:([a-z0-9-]+):\d{12}:[\w.-]+$/.exec(topicArn);
  return m ? { partition: m[1]!, region: m[2]! } : undefined;
}

/**
 * True when `url` is https on the SNS endpoint of the topic's region (`sns.<region>.amazonaws.com`,
 * `.amazonaws.com.cn` in China). Guards both the SigningCertURL and the SubscribeURL we GET.
 */
export function isSnsUrlForTopic(url: string, topicArn: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const t = topicRegion(topicArn);
  if (!t || u.protocol !== "https:" || u.username || u.password || (u.port && u.port !== "443")) return false;
  const suffix = t.partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  return u.hostname === `sns.${t.region}.${suffix}`;
}

/** Verifies one SNS message against the configured keys (SignatureVersion 1 = SHA1withRSA, 2 = SHA256withRSA). */
export function verifySnsSignature(m: SnsMessage, keys: KeyObject[]): VerifyResult {
  if (!m.Signature) return { ok: false, reason: "message has no Signature" };
  const algorithm = m.SignatureVersion === "1" ? "RSA-SHA1" : m.SignatureVersion === "2" ? "RSA-SHA256" : undefined;
  if (!algorithm) return { ok: false, reason: `unsupported SignatureVersion ${JSON.stringify(m.SignatureVersion)}` };
  if (m.SigningCertURL !== undefined && !isSnsUrlForTopic(m.SigningCertURL, m.TopicArn)) {
    return { ok: false, reason: `SigningCertURL ${m.SigningCertURL} is not the SNS endpoint of the topic's region` };
  }
  const signature = Buffer.from(m.Signature, "base64");
  const data = snsStringToSign(m);
  for (const key of keys) {
    try {
      if (createVerify(algorithm).update(data, "utf8").verify(key, signature)) return { ok: true };
    } catch {
      // a key of the wrong type for this signature: try the next one
    }
  }
  return { ok: false, reason: `signature of message ${m.MessageId} does not verify with the configured certificate` };
}
