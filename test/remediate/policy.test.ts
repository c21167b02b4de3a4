import { mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.ts";
import { buildCatalog } from "../../src/remediate/catalog.ts";
import { decide, windowActive } from "../../src/remediate/policy.ts";
import { PolicySource } from "../../src/remediate/policy-file.ts";
import { parsePolicy, type PolicyFile } from "../../src/remediate/policy-schema.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const policy = (doc: unknown): PolicyFile => {
  const r = parsePolicy(doc);
  if (!r.ok) throw new Error(r.error);
  return r.policy;
};
const q = (over: Partial<Parameters<typeof decide>[1]> = {}) => ({ type: "rollback", service: "checkout", environment: "production", risk: "caution" as const, reversible: true, at: Date.parse("2026-11-24T03:00:00Z"), ...over });

describe("policy resolution", () => {
  it("defaults to approve by @sre-approvers, one approval; two for an irreversible caution action", () => {
    const p = policy({});
    expect(decide(p, q())).toMatchObject({ autonomy: "approve", forbidden: false, approvers: ["@sre-approvers"], requiredApprovals: 1 });
    expect(decide(p, q({ type: "kill_db_query", reversible: false })).requiredApprovals).toBe(2);
  });

  it("applies matching rules in file order, field by field, per action, service and environment", () => {
    const p = policy({
      rules: [
        { match: { action: "rollout_restart" }, autonomy: "auto", limits: { maxReplicas: 8 } },
        { match: { action: "rollout_restart", environment: "production", service: ["pay*"] }, autonomy: "approve", approvers: ["U_ALICE"] },
      ],
    });
    expect(decide(p, q({ type: "rollout_restart", service: "cart" }))).toMatchObject({ autonomy: "auto", limits: { maxReplicas: 8 } });
    const pay = decide(p, q({ type: "rollout_restart", service: "payments" }));
    expect(pay).toMatchObject({ autonomy: "approve", approvers: ["U_ALICE"], limits: { maxReplicas: 8 } });
    expect(pay.because.join(" | ")).toMatch(/rule 1 .*rule 2/);
    expect(decide(p, q({ type: "rollout_restart", service: "payments", environment: "staging" })).autonomy).toBe("auto");
  });

  it("forbidden by rule or by risk override, and a rule cannot un-forbid a forbidden risk", () => {
    const p = policy({
      actions: { scale: { risk: "forbidden" } },
      rules: [
        { match: { action: "delete_pod" }, forbidden: true },
        { match: { action: "scale" }, forbidden: false, autonomy: "auto" },
      ],
    });
    expect(decide(p, q({ type: "delete_pod", risk: "safe" })).forbidden).toBe(true);
    expect(decide(p, q({ type: "scale", risk: "safe" })).forbidden).toBe(true);
  });

  it("time windows cap autonomy (no auto in peak hours), in the window's time zone, overnight too", () => {
    const p = policy({
      rules: [{ match: { action: "rollout_restart" }, autonomy: "auto" }],
      windows: [
        { name: "peak", days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00", timezone: "Europe/Berlin", maxAutonomy: "approve" },
        { name: "freeze", from: "22:00", to: "02:00", maxAutonomy: "advise", match: { service: "payments" } },
      ],
    });
    // Tuesday 2026-11-24: 09:30 in Berlin is 08:30 UTC.
    const peak = decide(p, q({ type: "rollout_restart", service: "cart", at: Date.parse("2026-11-24T08:30:00Z") }));
    expect(peak.autonomy).toBe("approve");
    expect(peak.because.at(-1)).toMatch(/inside the "peak" window/);
    expect(decide(p, q({ type: "rollout_restart", service: "cart", at: Date.parse("2026-11-24T07:30:00Z") })).autonomy).toBe("auto");
    expect(decide(p, q({ type: "rollout_restart", service: "cart", at: Date.parse("2026-11-28T10:00:00Z") })).autonomy).toBe("auto"); // Saturday
    expect(windowActive(itemAt(p.windows, 1), Date.parse("2026-11-24T01:00:00Z"))).toBe(true);
    expect(windowActive(itemAt(p.windows, 1), Date.parse("2026-11-24T03:00:00Z"))).toBe(false);
    expect(decide(p, q({ type: "rollout_restart", service: "payments", at: Date.parse("2026-11-24T23:00:00Z") })).autonomy).toBe("advise");
  });

  it("rejects unknown keys, bad values and runbooks that shadow built-ins, naming the field", () => {
    expect(parsePolicy({ rules: [{ match: { action: "x" }, autonmy: "auto" }] })).toMatchObject({ ok: false, error: expect.stringMatching(/rules\.0/) });
    expect(parsePolicy({ defaults: { approvers: ["bob"] } })).toMatchObject({ ok: false, error: expect.stringMatching(/defaults\.approvers\.0: expected a Slack user id/) });
    expect(parsePolicy({ windows: [{ name: "x", from: "25:00", to: "01:00", maxAutonomy: "approve" }] }).ok).toBe(false);
    expect(parsePolicy({ windows: [{ name: "x", from: "09:00", to: "10:00", timezone: "Mars/Olympus", maxAutonomy: "approve" }] }).ok).toBe(false);
    expect(parsePolicy({ runbooks: { rollback: { title: "x", blastRadius: "y", http: { url: "http://x" } } } })).toMatchObject({ ok: false, error: expect.stringMatching(/built-in/) });
  });

  it("the shipped policy.example.yaml is valid and declares the sandbox runbooks", () => {
    const p = policy(parse(readFileSync(new URL("../../policy.example.yaml", import.meta.url), "utf8")));
    const catalog = buildCatalog(p);
    expect([...catalog.keys()]).toEqual(expect.arrayContaining(["rollout_restart", "scale", "rollback", "pause_rollout", "delete_pod", "kill_db_query", "flush_cache_prefix"]));
    const kill = catalog.get("kill_db_query")!;
    expect(decide(p, q({ type: "kill_db_query", service: "orders-db", risk: kill.risk, reversible: kill.reversible })).requiredApprovals).toBe(2);
    expect(decide(p, q({ type: "rollback", service: "checkout" })).autonomy).toBe("approve");
  });
});

describe("policy file", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "aisre-policy-"));

  it("keeps the last good policy on a bad edit and takes the next good one", () => {
    const file = join(dir(), "policy.yaml");
    writeFileSync(file, "defaults:\n  autonomy: advise\n");
    const src = new PolicySource({ file, logger: silentLogger, watch: false });
    const seen: boolean[] = [];
    src.onChange((c) => seen.push(c.ok));
    expect(src.policy.defaults.autonomy).toBe("advise");

    writeFileSync(file, "defaults:\n  autonomy: yolo\n");
    expect(src.reload()).toMatchObject({ ok: false, error: expect.stringMatching(/defaults\.autonomy/) });
    expect(src.policy.defaults.autonomy).toBe("advise");
    writeFileSync(file, "defaults: [unclosed");
    expect(src.reload()).toMatchObject({ ok: false, error: expect.stringMatching(/not valid YAML/) });
    expect(src.policy.defaults.autonomy).toBe("advise");

    writeFileSync(file, "defaults:\n  autonomy: observe\n");
    expect(src.reload().ok).toBe(true);
    expect(src.policy.defaults.autonomy).toBe("observe");
    expect(seen).toEqual([false, false, true]);
    src.close();
  });

  it("refuses to start on an invalid file (there is no last good policy yet)", () => {
    const file = join(dir(), "policy.yaml");
    writeFileSync(file, "rules: nope\n");
    expect(() => new PolicySource({ file, logger: silentLogger })).toThrow(/remediation policy .*rules/);
  });

  it("notices edits by itself, including an editor's replace-by-rename", async () => {
    const d = dir();
    const file = join(d, "policy.yaml");
    writeFileSync(file, "defaults:\n  autonomy: advise\n");
    const src = new PolicySource({ file, logger: silentLogger });
    const waitFor = async (want: string) => {
      for (let i = 0; i < 100 && src.policy.defaults.autonomy !== want; i++) await new Promise((r) => setTimeout(r, 20));
      return src.policy.defaults.autonomy;
    };
    writeFileSync(file, "defaults:\n  autonomy: observe\n");
    expect(await waitFor("observe")).toBe("observe");
    writeFileSync(join(d, "tmp.yaml"), "defaults:\n  autonomy: auto\n");
    renameSync(join(d, "tmp.yaml"), file);
    expect(await waitFor("auto")).toBe("auto");
    writeFileSync(file, "defaults:\n  autonomy: sometimes\n");
    await new Promise((r) => setTimeout(r, 300));
    expect(src.policy.defaults.autonomy).toBe("auto");
    src.close();
  });
});
