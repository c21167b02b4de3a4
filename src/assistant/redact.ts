/**
 * Removes secrets and personal data from text before it leaves for an LLM. Each rule replaces a
 * match with a typed placeholder, so the model still sees that something was there.
 */
export interface RedactionRule {
  name: string;
  pattern: RegExp;
  /** Replacement; `$1`… refer to groups kept (e.g. the scheme of a URL). */
  replace: string;
}

export const DEFAULT_RULES: RedactionRule[] = [
  { name: "private-key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, replace: "[REDACTED:private-key]" },
  { name: "slack-token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, replace: "[REDACTED:slack-token]" },
  { name: "slack-app-token", pattern: /\bxapp-\d-[A-Za-z0-9-]{10,}/g, replace: "[REDACTED:slack-token]" },
  { name: "slack-webhook", pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g, replace: "[REDACTED:slack-webhook]" },
  { name: "github-token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/g, replace: "[REDACTED:github-token]" },
  { name: "aws-access-key", pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/g, replace: "[REDACTED:aws-access-key]" },
  { name: "aws-secret-key", pattern: /(aws_?secret_?access_?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}/gi, replace: "$1[REDACTED:aws-secret]" },
  { name: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: "[REDACTED:jwt]" },
  { name: "bearer", pattern: /(\b(?:Bearer|Token|Basic)\s+)[A-Za-z0-9._~+/=-]{12,}/g, replace: "$1[REDACTED:credential]" },
  { name: "openai-key", pattern: /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}/g, replace: "[REDACTED:api-key]" },
  { name: "url-password", pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, replace: "$1[REDACTED:password]@" },
  { name: "password-field", pattern: /(\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|client[_-]?secret)["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, replace: "$1[REDACTED:secret]" },
  { name: "email", pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, replace: "[REDACTED:email]" },
];

/** Extra patterns from config (AISRE_REDACT_PATTERNS: regexes separated by `;;`). */
export function configuredRules(patterns: string | undefined): RedactionRule[] {
  if (!patterns) return [];
  return patterns
    .split(";;")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p, i) => ({ name: `custom-${i + 1}`, pattern: new RegExp(p, "g"), replace: "[REDACTED:custom]" }));
}

export class Redactor {
  private readonly rules: RedactionRule[];
  constructor(extra: RedactionRule[] = []) {
    this.rules = [...DEFAULT_RULES, ...extra];
  }

  redact(text: string): { text: string; hits: Record<string, number> } {
    const hits: Record<string, number> = {};
    let out = text;
    for (const r of this.rules) {
      out = out.replace(r.pattern, (...args: unknown[]) => {
        hits[r.name] = (hits[r.name] ?? 0) + 1;
        const groups = args.slice(1, -2) as Array<string | undefined>;
        return r.replace.replace(/\$(\d)/g, (_, n: string) => groups[Number(n) - 1] ?? "");
      });
    }
    return { text: out, hits };
  }

  /** Redacts every string inside a JSON-like value (tool results, messages). */
  redactValue<T>(value: T): T {
    if (typeof value === "string") return this.redact(value).text as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v);
      return out as T;
    }
    return value;
  }
}
