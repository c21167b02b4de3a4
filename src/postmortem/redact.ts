/**
 * Redaction of text before it leaves for an LLM: credentials and tokens, private keys, emails,
 * IP addresses, URLs' query strings and user info, long secrets, plus any extra patterns from
 * AISRE_REDACT_PATTERNS (regular expressions, one per line or separated by ";;"). Pure.
 */

const BUILT_IN: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, "[private key]"],
  [/\bxox[abposr]-[A-Za-z0-9-]{8,}\b/g, "[slack token]"],
  [/\bxapp-[A-Za-z0-9-]{8,}\b/g, "[slack token]"],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, "[aws key id]"],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, "[github token]"],
  [/\bsk-[A-Za-z0-9_-]{16,}\b/g, "[api key]"],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, "[jwt]"],
  [/\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{12,}/gi, "$1 [redacted]"],
  [/\b(password|passwd|pwd|secret|api[_-]?key|token|access[_-]?key|client[_-]?secret)(\s*[:=]\s*)("[^"]*"|'[^']*'|\S+)/gi, "$1$2[redacted]"],
  [/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, "$1[user]:[redacted]@"],
  [/(https?:\/\/[^\s?#]+)\?[^\s#>|)]+/g, "$1?[query]"],
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, "[email]"],
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, "[ip]"],
  [/\b[A-Fa-f0-9]{40,}\b/g, "[hex secret]"],
  [/\b[A-Za-z0-9+/]{48,}={0,2}/g, "[secret]"],
];

export function parseRedactPatterns(value: string | undefined): RegExp[] {
  if (!value) return [];
  const out: RegExp[] = [];
  for (const p of value.split(/\n|;;/).map((s) => s.trim()).filter(Boolean)) {
    try {
      out.push(new RegExp(p, "g"));
    } catch {
      // A broken pattern must not disable redaction: it is skipped (and reported by the caller's config check).
    }
  }
  return out;
}

export type Redactor = (text: string) => string;

export function createRedactor(extra: RegExp[] = []): Redactor {
  return (text) => {
    let out = text;
    for (const [re, replacement] of BUILT_IN) out = out.replace(re, replacement);
    for (const re of extra) out = out.replace(re, "[redacted]");
    return out;
  };
}
