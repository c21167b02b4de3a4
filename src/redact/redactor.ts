/**
 * The one redactor: one rule set for everything that leaves the process (the LLM, embeddings,
 * Pinecone, Slack, Jira, PagerDuty, logs). Each rule replaces a match with a typed placeholder, so a
 * reader (or a model) still sees that something was there.
 *
 * Rules are of two kinds. `secret` rules (credentials, tokens, keys, passwords) apply everywhere.
 * `personal` rules (emails, IP addresses, URL query strings, long opaque strings) apply on top for
 * what leaves for a third party that does not need them: the LLM, the embeddings API and Pinecone.
 * Slack, Jira and PagerDuty keep them (an on-call email, a host address and a commit hash help the
 * people reading there). Extra patterns from AISRE_REDACT_PATTERNS are `secret` rules, validated
 * when the config loads (see `compilePatterns`).
 */
export interface RedactionRule {
  name: string;
  kind: "secret" | "personal";
  pattern: RegExp;
  /** Replacement; `$1`… refer to groups kept (e.g. the scheme of a URL). */
  replace: string;
}

/** What the text is redacted for: `secrets` for people-facing systems, `all` for third parties. */
export type Reach = "secrets" | "all";

export const RULES: readonly RedactionRule[] = [
  { name: "private-key", kind: "secret", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|(?=")|$)/g, replace: "[REDACTED:private-key]" },
  { name: "slack-token", kind: "secret", pattern: /\bxox[abposre]-[A-Za-z0-9-]{8,}/g, replace: "[REDACTED:slack-token]" },
  { name: "slack-app-token", kind: "secret", pattern: /\bxapp-[A-Za-z0-9-]{8,}/g, replace: "[REDACTED:slack-token]" },
  { name: "slack-webhook", kind: "secret", pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g, replace: "[REDACTED:slack-webhook]" },
  { name: "github-token", kind: "secret", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/g, replace: "[REDACTED:github-token]" },
  { name: "aws-access-key", kind: "secret", pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/g, replace: "[REDACTED:aws-access-key]" },
  { name: "aws-secret-key", kind: "secret", pattern: /(aws_?secret_?access_?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}/gi, replace: "$1[REDACTED:aws-secret]" },
  { name: "jwt", kind: "secret", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: "[REDACTED:jwt]" },
  { name: "bearer", kind: "secret", pattern: /(\b(?:Bearer|Token|Basic)\s+)[A-Za-z0-9._~+/=-]{12,}/gi, replace: "$1[REDACTED:credential]" },
  { name: "api-key", kind: "secret", pattern: /\b(?:sk|rk|pk)-(?:proj-|live-|test-)?[A-Za-z0-9_-]{16,}/g, replace: "[REDACTED:api-key]" },
  { name: "url-password", kind: "secret", pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@<>|"]+:)[^\s@/<>|"]+@/gi, replace: "$1[REDACTED:password]@" },
  {
    name: "password-field",
    kind: "secret",
    pattern: /(\b(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key|token)["']?\s*[:=]\s*["']?)(?!\[REDACTED)[^\s"',;&<>|]+/gi,
    replace: "$1[REDACTED:secret]",
  },
  { name: "email", kind: "personal", pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, replace: "[REDACTED:email]" },
  { name: "ip-address", kind: "personal", pattern: /\b(?:\d{1,3}\.){3}\d{1,3}\b/g, replace: "[REDACTED:ip]" },
  { name: "url-query", kind: "personal", pattern: /(https?:\/\/[^\s?#<>|]+)\?[^\s#<>|)]+/g, replace: "$1?[REDACTED:query]" },
  { name: "hex-secret", kind: "personal", pattern: /\b[A-Fa-f0-9]{40,}\b/g, replace: "[REDACTED:hex]" },
  { name: "opaque-secret", kind: "personal", pattern: /\b[A-Za-z0-9+/]{48,}={0,2}/g, replace: "[REDACTED:opaque]" },
];

/**
 * Extra patterns (AISRE_REDACT_PATTERNS: regular expressions separated by `;;` or new lines) as
 * rules, with the ones that do not compile named in `errors` (config loading refuses to start then).
 */
export function compilePatterns(value: string | undefined): { rules: RedactionRule[]; errors: string[] } {
  const rules: RedactionRule[] = [];
  const errors: string[] = [];
  const parts = (value ?? "")
    .split(/\n|;;/)
    .map((s) => s.trim())
    .filter(Boolean);
  parts.forEach((p, i) => {
    try {
      const re = new RegExp(p, "g");
      if (re.test("")) errors.push(`pattern ${i + 1} /${p}/ matches the empty string`);
      else rules.push({ name: `custom-${i + 1}`, kind: "secret", pattern: re, replace: "[REDACTED:custom]" });
    } catch (e) {
      errors.push(`pattern ${i + 1} /${p}/ is not a valid regular expression (${e instanceof Error ? e.message : String(e)})`);
    }
  });
  return { rules, errors };
}

/**
 * One test for many rules: the built-in rules' patterns as one alternation, case-insensitive, so it
 * matches wherever any of them would (with its own flags). Most text holds nothing to redact, and one
 * such test costs a fraction of a test per rule. Extra rules are not in it (a back reference in one
 * would change meaning in the alternation).
 */
const probeOf = (rules: readonly RedactionRule[]) => new RegExp(rules.map((r) => `(?:${r.pattern.source})`).join("|"), "i");
const PROBES: Record<Reach, RegExp> = { secrets: probeOf(RULES.filter((r) => r.kind === "secret")), all: probeOf(RULES) };

export class Redactor {
  private readonly rules: readonly RedactionRule[];
  constructor(extra: readonly RedactionRule[] = []) {
    this.rules = [...RULES, ...extra];
  }

  /** The redactor with AISRE_REDACT_PATTERNS (already validated by the config). */
  static fromPatterns(value: string | undefined): Redactor {
    return new Redactor(compilePatterns(value).rules);
  }

  redact(text: string, reach: Reach = "all"): { text: string; hits: Record<string, number> } {
    const hits: Record<string, number> = {};
    let out = String(text);
    // The built-in rules come first: when none matches the text as given, none changes it.
    const builtInMiss = !PROBES[reach].test(out);
    for (const [i, r] of this.rules.entries()) {
      if (builtInMiss && i < RULES.length) continue;
      if (reach === "secrets" && r.kind !== "secret") continue;
      // Most text holds no secret: a test is much cheaper than a replace with a callback.
      r.pattern.lastIndex = 0;
      if (!r.pattern.test(out)) continue;
      r.pattern.lastIndex = 0;
      out = out.replace(r.pattern, (...args: unknown[]) => {
        hits[r.name] = (hits[r.name] ?? 0) + 1;
        const groups = args.slice(1, -2) as Array<string | undefined>;
        return r.replace.replace(/\$(\d)/g, (_, n: string) => (typeof groups[Number(n) - 1] === "string" ? groups[Number(n) - 1]! : ""));
      });
    }
    return { text: out, hits };
  }

  /**
   * Whether every one of these strings is certain to come out of `text(s, reach)` unchanged, told
   * with one test of them all: the built-in rules' probe over the strings joined by new lines. A rule
   * that matches inside one string matches in the joined text too (no built-in rule looks behind or
   * anchors at a start, its `\b` and lookaheads see a new line where the string ended, and `$` is
   * still met at the joined text's end); a match across two strings only makes this false. With extra
   * rules (AISRE_REDACT_PATTERNS, any regular expression) it is false: they are tested string by string.
   */
  leavesUnchanged(strings: readonly string[], reach: Reach = "all"): boolean {
    if (this.rules.length > RULES.length) return false;
    return !PROBES[reach].test(strings.join("\n"));
  }

  /** The redacted text alone. */
  text(text: string, reach: Reach = "all"): string {
    return this.redact(text, reach).text;
  }

  /** Redacts every string inside a JSON-like value (tool results, messages, API arguments). */
  redactValue<T>(value: T, reach: Reach = "all"): T {
    if (typeof value === "string") return this.redact(value, reach).text as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v, reach)) as T;
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v, reach);
      return out as T;
    }
    return value;
  }
}

/** The built-in rules alone: for code that runs before the config is read. */
export const builtInRedactor = new Redactor();

let shared = builtInRedactor;
/**
 * The process's redactor: the built-in rules plus AISRE_REDACT_PATTERNS once the composition root
 * has called `configureRedaction` (ingestion, the Slack outbox, the ports and the logs use it).
 */
export const sharedRedactor = (): Redactor => shared;
export function configureRedaction(patterns: string | undefined): Redactor {
  shared = Redactor.fromPatterns(patterns);
  return shared;
}

/**
 * A port whose every call has its string arguments redacted first (secrets only): Jira and
 * PagerDuty see no credential that came in with an alert or a log line.
 */
export function redactingPort<T extends object>(port: T, redactor: Redactor, reach: Reach = "secrets"): T {
  return new Proxy(port, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) =>
        (v as (...a: unknown[]) => unknown).apply(
          target,
          args.map((a) => redactor.redactValue(a, reach)),
        );
    },
  });
}
