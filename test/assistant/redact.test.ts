import { describe, expect, it } from "vitest";
import { Redactor } from "../../src/redact/redactor.ts";

const r = Redactor.fromPatterns("CUST-\\d{6};;tenant=[a-z]+");
const redacted = (s: string) => r.redact(s).text;

describe("redaction of realistic log lines", () => {
  const cases: Array<[string, string, string]> = [
    ["slack bot token", "2026-11-23T10:00:01Z ERROR slack: invalid_auth for token xoxb-2011223344-5566778899-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-2011223344"],
    ["aws access key", 'level=warn msg="assume role failed" key=AKIAIOSFODNN7EXAMPLE region=us-east-1', "AKIAIOSFODNN7EXAMPLE"],
    ["aws secret", 'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', "wJalrXUtnFEMI"],
    ["github token", "git clone https://ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8@github.com/acme/shop.git", "ghp_a1B2c3D4"],
    ["bearer header", "GET /api/orders 401 headers={Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0}", "9f8e7d6c5b4a"],
    ["jwt", "session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwicm9sZSI6ImFkbWluIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ rejected", "eyJhbGciOiJIUzI1NiJ9"],
    ["private key", "config dump: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1x\n-----END RSA PRIVATE KEY----- loaded", "MIIEowIBAAKCAQEA1x"],
    ["password in url", "FATAL: could not connect to postgres://orders_app:S3cr3t-P4ss@orders-db.shop.svc:5432/orders", "S3cr3t-P4ss"],
    ["password field", "redis: AUTH failed (password=hunter2hunter2) for cache.shop", "hunter2hunter2"],
    ["connection string", "Server=db;Database=orders;User Id=sa;Password=Pa55w0rd!;", "Pa55w0rd!"],
    ["email", "payment declined for customer jane.doe@example.co.uk (order 1234)", "jane.doe@example.co.uk"],
    ["configured pattern", "refund failed for CUST-123456 tenant=acme", "CUST-123456"],
  ];
  for (const [what, line, secret] of cases) {
    it(`removes the ${what}`, () => {
      const out = redacted(line);
      expect(out).not.toContain(secret);
      expect(out).toContain("[REDACTED:");
    });
  }

  it("keeps the useful parts of a line", () => {
    const out = redacted("FATAL: could not connect to postgres://orders_app:S3cr3t@orders-db:5432/orders: too many clients");
    expect(out).toContain("postgres://orders_app:");
    expect(out).toContain("orders-db:5432/orders: too many clients");
  });

  it("leaves ordinary lines alone", () => {
    const line = "2026-11-23T10:00:00Z WARN checkout: upstream inventory timed out after 2000ms (attempt 3/3)";
    expect(redacted(line)).toBe(line);
  });

  it("redacts inside nested values", () => {
    expect(r.redactValue({ logs: ["token xoxb-1234567890-abcdefghijklmnop"], n: 3 })).toEqual({ logs: ["token [REDACTED:slack-token]"], n: 3 });
  });
});
