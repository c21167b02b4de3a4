import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/store/open.ts";
import { createStore } from "../../src/store/store.ts";
import { runNode } from "../support/process.ts";
import { remediationHarness } from "./fakes.ts";

describe("audit log", () => {
  it("records who, what, where, why, evidence and result of every decision; the chain verifies; tampering is found", async () => {
    const h = await remediationHarness();
    try {
      h.verifier.healthy.set("checkout", false);
      h.k8s.onChange = () => h.verifier.healthy.set("checkout", true);
      const { actionId } = await h.remediation.recommend(h.incident.id, { type: "rollback", target: { service: "checkout" }, reason: "bad deploy 3.8.0", evidence: ["5xx 34%"], hypothesisRef: "H1" });
      await h.remediation.approve(actionId!, "U_BOB");
      await h.remediation.approve(actionId!, "U_ALICE");
      await h.settle();
      const entries = await h.remediation.auditFor(h.incident.id);
      const executed = entries.find((e) => e.action === "remediation.executed")!;
      expect(executed).toMatchObject({ actor: "U_ALICE", incidentId: h.incident.id, target: "production/shop/checkout" });
      expect(executed.detail).toMatchObject({ actionId, type: "rollback", why: "bad deploy 3.8.0", evidence: ["5xx 34%"], hypothesisRef: "H1", result: "rollback checkout" });
      expect(entries.find((e) => e.action === "remediation.verified")!.detail.result).toMatch(/recovered after/);
      expect(await h.store.audit.verify()).toMatchObject({ ok: true });

      const victim = entries.find((e) => e.action === "remediation.approval_refused")!;
      await h.db.query(`UPDATE audit_log SET actor = 'U_ALICE' WHERE seq = $1`, [victim.seq]);
      expect(await h.store.audit.verify()).toMatchObject({ ok: false, brokenAt: victim.seq, reason: "entry altered" });
    } finally {
      await h.close();
    }
  });

  it("`aisre audit verify` exits 0 on an intact chain and 1 on a broken one", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-audit-"));
    const db = await openDb({ dataDir });
    const store = createStore(db);
    await store.audit.append({ actor: "U_ALICE", action: "automation.off", detail: {} });
    await store.audit.append({ actor: "U_CAROL", action: "automation.on", detail: {} });
    await db.close();

    const ok = runNode(["src/cli/main.ts", "audit", "verify", "--json"], { AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    expect(await ok.exited).toBe(0);
    expect(JSON.parse(ok.output().trim().split("\n").pop()!)).toEqual({ ok: true, entries: 2 });

    const db2 = await openDb({ dataDir });
    await db2.query("DELETE FROM audit_log WHERE seq = 1");
    await db2.close();
    const broken = runNode(["src/cli/main.ts", "audit", "verify"], { AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    expect(await broken.exited).toBe(1);
    expect(broken.output()).toMatch(/audit chain BROKEN at entry 2: sequence gap/);

    const usage = runNode(["src/cli/main.ts", "audit", "nonsense"], { AISRE_DATA_DIR: dataDir });
    expect(await usage.exited).toBe(2);
  }, 60_000);
});
