import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, describeConfig, loadConfig } from "../../src/config.ts";
import { alertmanager } from "../../src/ingest/sources/alertmanager.ts";
import { OpenAIEmbedder } from "../../src/integrations/openai/embedder.ts";
import { createLogger } from "../../src/log.ts";
import { compilePatterns, configureRedaction, type Reach, type RedactionRule, redactingPort, Redactor, RULES } from "../../src/redact/redactor.ts";
import { req } from "../ingest/helpers.ts";
import { FakeOpenAI } from "../support/openai-server.ts";
import { redactedRespond } from "../../handlers/middleware/redacted-respond.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const SECRETS = {
  password: "password=hunter2hunter2",
  aws: "AKIAIOSFODNN7EXAMPLE",
  github: "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
  openai: "sk-proj-abcdefghijklmnopqrstuvwx",
  slack: "xoxb-2011223344-5566778899-AbCdEfGhIjKl",
};
const leaked = (text: string) => [/hunter2hunter2/, /AKIAIOSFODNN7EXAMPLE/, /ghp_a1B2/, /sk-proj-abc/, /xoxb-2011/].filter((re) => re.test(text)).map(String);
const title = `checkout down ${Object.values(SECRETS).join(" ")}`;

describe("one redactor, one rule set", () => {
  it("there is one redaction module: no other file in src/ carries its own secret patterns", () => {
    const root = fileURLToPath(new URL("../../src/", import.meta.url));
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : n.endsWith(".ts") ? [join(d, n)] : []));
    const own = walk(root).filter((f) => !f.includes("/sandbox/") && /PRIVATE KEY-----|AKIA\|ASIA|xox\[a/.test(readFileSync(f, "utf8")));
    expect(own.map((f) => relative(root, f))).toEqual(["redact/redactor.ts"]);
  });

  it("masks every kind of secret; personal data only for third parties", () => {
    const r = new Redactor();
    expect(leaked(r.text(title))).toEqual([]);
    expect(leaked(r.text(title, "secrets"))).toEqual([]);
    const personal = "on-call bob@example.com at 10.1.2.3 commit 3f2a9c1e5b7d4a6f8e0c2b4d6f8a0c2e4b6d8f0a";
    expect(r.text(personal, "secrets")).toBe(personal);
    expect(r.text(personal)).not.toMatch(/bob@example|10\.1\.2\.3|3f2a9c1e/);
  });

  it("one probe for the built-in rules skips none that would match: each rule applied in turn gives the same text", () => {
    // Each rule in turn, as the redactor did before its probe (built-in rules, then the extra ones).
    const reference = (text: string, reach: Reach, extra: readonly RedactionRule[]) => {
      let out = text;
      for (const r of [...RULES, ...extra]) {
        if (reach === "secrets" && r.kind !== "secret") continue;
        out = out.replace(new RegExp(r.pattern.source, r.pattern.flags), r.replace);
      }
      return out;
    };
    const extra = compilePatterns("(ab)c\\1;;internal-[0-9]+").rules;
    const mine = new Redactor(extra);
    const texts = [
      ...Object.values(SECRETS),
      ...Object.values(SECRETS).map((s) => s.toUpperCase()),
      ...Object.values(SECRETS).map((s) => `before ${s} after`),
      "PASSWORD: hunter2hunter2 and Bearer abcdefghijklmnop",
      "postgres://user:pa55word@db:5432/x",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
      "mail ops@example.com from 10.1.2.3 at https://x.example.com/a?token=1 sha 0123456789abcdef0123456789abcdef01234567",
      "abcabc internal-42 and nothing else",
      "svc-p1765000000-123",
      "symptom 12 on checkout",
      "",
    ];
    for (const reach of ["secrets", "all"] as const) for (const t of texts) expect(mine.text(t, reach), `${reach}: ${t}`).toBe(reference(t, reach, extra));
  });

  it("one test of many strings (leavesUnchanged) is false whenever the redactor would change any one of them, wherever it sits", () => {
    const r = new Redactor();
    const clean = ["alertname", "HighLatency", "checkout-7d9f8b6c5-x2x4z", 'groupKey {}:{instance="web-1:9100"}', "p99 over 2 s", ""];
    // Each rule's own matches, as the whole string, at its start and at its end (where \b and $ meet the string's edge).
    const hostile = [
      ...Object.values(SECRETS),
      "PASSWORD: hunter2hunter2",
      "Bearer abcdefghijklmnop",
      "postgres://user:pa55word@db:5432/x",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
      "https://hooks.slack.com/services/T000/B000/XXXX",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ].flatMap((s) => [s, `x ${s}`, `${s} x`]);
    for (const reach of ["secrets", "all"] as const) {
      expect(r.leavesUnchanged(clean, reach)).toBe(true);
      for (const h of hostile) {
        expect(r.text(h, reach), h).not.toBe(h);
        for (let at = 0; at <= clean.length; at++) expect(r.leavesUnchanged([...clean.slice(0, at), h, ...clean.slice(at)], reach), `${reach}: ${h} at ${at}`).toBe(false);
      }
    }
    // Personal data is kept for people-facing systems, masked for third parties.
    expect(r.leavesUnchanged([...clean, "ops@example.com"], "secrets")).toBe(true);
    expect(r.leavesUnchanged([...clean, "ops@example.com"], "all")).toBe(false);
    // Extra patterns are any regular expression (anchors, lookbehinds): never answered for in one test.
    expect(new Redactor(compilePatterns("^internal-[0-9]+").rules).leavesUnchanged(clean, "secrets")).toBe(false);
  });

  it("AISRE_REDACT_PATTERNS is validated when the config loads: a bad pattern stops start-up, named", () => {
    expect(compilePatterns("ok-\\d+;;(unclosed").errors).toHaveLength(1);
    let err: unknown;
    try {
      loadConfig({ AISRE_REDACT_PATTERNS: "CUST-\\d+;;(unclosed" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/AISRE_REDACT_PATTERNS: pattern 2 \/\(unclosed\//);
    expect(() => loadConfig({ AISRE_REDACT_PATTERNS: "x*" })).toThrow(/matches the empty string/);
    expect(Redactor.fromPatterns(loadConfig({ AISRE_REDACT_PATTERNS: "CUST-\\d+" }).env.AISRE_REDACT_PATTERNS).text("refund CUST-123")).toBe("refund [REDACTED:custom]");
  });
});

describe("applied to everything that leaves", () => {
  const fake = new FakeOpenAI();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it("embedding requests (OpenAI SDK over HTTP) carry no secret and no personal data", async () => {
    fake.requests.length = 0;
    const e = new OpenAIEmbedder({ client: fake.client("sk-test"), model: "m" });
    const v = await e.embed([title, "mail bob@example.com"]);
    expect(v).toHaveLength(2);
    const bodies = fake.requests.map((r) => r.raw);
    expect(bodies).toHaveLength(1);
    expect(leaked(itemAt(bodies, 0))).toEqual([]);
    expect(bodies[0]).not.toContain("bob@example.com");
    expect(bodies[0]).toContain("checkout down");
  });

  it("alert text is masked when it comes in, so no card, thread, ticket or page repeats it", () => {
    const body = {
      receiver: "aisre",
      status: "firing",
      alerts: [
        {
          status: "firing",
          labels: { alertname: "DbAuth", service: "orders", dsn: "postgres://app:S3cretPw@db:5432/orders" },
          annotations: { summary: `login failed ${SECRETS.password}`, description: `token ${SECRETS.slack} key ${SECRETS.aws}` },
          startsAt: "2026-01-02T03:00:00Z",
          endsAt: "0001-01-01T00:00:00Z",
          fingerprint: "abc",
        },
      ],
      version: "4",
      groupKey: "k",
    };
    const parsed = alertmanager.parse(req(body));
    const text = JSON.stringify(parsed);
    expect(leaked(text)).toEqual([]);
    expect(text).not.toContain("S3cretPw");
    expect(text).toContain("login failed password=[REDACTED:secret]");
  });

  it("incoming text cleaned once is cleaned again under patterns configured later (what a string became is remembered per rule set)", () => {
    const body = (summary: string) => req({ receiver: "aisre", status: "firing", version: "4", groupKey: "k", alerts: [{ status: "firing", labels: { alertname: "Cust" }, annotations: { summary }, startsAt: "2026-01-02T03:00:00Z", fingerprint: "f" }] });
    expect(itemAt(alertmanager.parse(body("order CUST-4242 failed")).alerts, 0).summary).toBe("order CUST-4242 failed");
    configureRedaction("CUST-\\d+");
    try {
      expect(itemAt(alertmanager.parse(body("order CUST-4242 failed")).alerts, 0).summary).toBe("order [REDACTED:custom] failed");
    } finally {
      configureRedaction(undefined);
    }
    expect(itemAt(alertmanager.parse(body("order CUST-4242 failed")).alerts, 0).summary).toBe("order CUST-4242 failed");
  });

  it("Jira and PagerDuty ports get their arguments redacted", async () => {
    const seen: unknown[] = [];
    const port = redactingPort(
      {
        async createIssue(input: { summary: string; description: string }) {
          seen.push(input);
          return { key: "OPS-1" };
        },
      },
      new Redactor(),
    );
    expect(await port.createIssue({ summary: title, description: `see ${SECRETS.github}` })).toEqual({ key: "OPS-1" });
    expect(leaked(JSON.stringify(seen))).toEqual([]);
  });

  it("Bolt replies (slash commands, buttons) pass the redactor before Slack", async () => {
    const sent: unknown[] = [];
    const respond = redactedRespond((async (m: unknown) => void sent.push(m)) as never);
    await respond({ response_type: "ephemeral", text: `pod says ${SECRETS.slack}`, blocks: [{ type: "section", text: { type: "mrkdwn", text: SECRETS.password } }] });
    await respond(`token ${SECRETS.github}`);
    expect(sent).toHaveLength(2);
    expect(leaked(JSON.stringify(sent))).toEqual([]);
  });

  it("logs: a secret in a message, an error or a field is masked in the line", () => {
    configureRedaction("CUST-\\d+");
    const lines: string[] = [];
    const log = createLogger({ format: "json", destination: { write: (l: string) => lines.push(l) } });
    log.error({ err: new Error(`connect postgres://app:S3cretPw@db/x failed ${SECRETS.openai}`), detail: { header: `Bearer ${SECRETS.github}` } }, `oops ${SECRETS.password} CUST-42`);
    configureRedaction(undefined);
    expect(lines).toHaveLength(1);
    expect(() => JSON.parse(itemAt(lines, 0))).not.toThrow();
    expect(leaked(itemAt(lines, 0))).toEqual([]);
    expect(lines[0]).not.toMatch(/S3cretPw|CUST-42/);
  });
});

describe("credentials in URLs are masked wherever they are shown", () => {
  it("`aisre config` masks passwords in JIRA_BASE_URL, OPENAI_BASE_URL and DATABASE_URL", () => {
    const c = loadConfig({ JIRA_BASE_URL: "https://bob:JiraPw1@acme.atlassian.net", JIRA_EMAIL: "ops@example.com", JIRA_API_TOKEN: "t", OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "https://k:OpenPw2@llm.example/v1?api_key=zzz", DATABASE_URL: "postgres://app:DbPw3@db/x" });
    const shown = JSON.stringify(describeConfig(c));
    expect(shown).not.toMatch(/JiraPw1|OpenPw2|DbPw3|zzz/);
    expect(shown).toContain("https://bob:***@acme.atlassian.net");
  });

  it("a malformed DATABASE_URL is refused at start without echoing its password", () => {
    for (const url of ["mysql://app:S3cretPW@db/x", "postgres://app:S3cretPW@[bad/x"]) {
      let message = "";
      try {
        loadConfig({ DATABASE_URL: url });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/DATABASE_URL/);
      expect(message).not.toContain("S3cretPW");
    }
  });
});
