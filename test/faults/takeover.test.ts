import { describe, expect, it } from "vitest";
import { blockKitRemediationPresenter } from "../../blocks/remediation-card.ts";
import { silentLogger } from "../../src/log.ts";
import { PolicySource } from "../../src/remediate/policy-file.ts";
import { RemediationService } from "../../src/remediate/remediation-service.ts";
import type { SymptomCheck } from "../../src/remediate/types.ts";
import { defined } from "../support/defined.ts";
import { eventually } from "../support/eventually.ts";
import { FakeVerifier, remediationHarness } from "../remediate/fakes.ts";

/**
 * Work a replica had begun is finished by another when it dies (simulated in-process: the first
 * holder stops and its lease is abandoned), without starting it again from the beginning and
 * without doing anything twice.
 */

describe("remediation verification taken over", () => {
  it("continues the watch window the first replica opened, instead of opening a new one", async () => {
    const h = await remediationHarness();
    // Replica A watches cart (still unhealthy) and freezes at its third reading, as a dead process would.
    h.verifier.healthy.set("cart", false);
    const read = h.verifier.read.bind(h.verifier);
    h.verifier.read = (s: SymptomCheck[]) => (h.verifier.reads >= 2 ? new Promise<never>(() => undefined) : read(s));
    const r = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "cart" }, reason: "memory leak" });
    const id = r.actionId;
    defined(id, "action id");
    const watch = await eventually(async () => {
      const w = (await h.remediation.records.get(id))?.detail.watch;
      return h.verifier.reads >= 2 && w ? w : undefined;
    }, "replica A watching");
    // A is gone: its lease is abandoned and runs out. Time goes on to 50 s into A's 60 s window.
    await h.db.query("UPDATE actions SET lease_owner = 'replica-a-gone', lease_until = now() - interval '1 second' WHERE id = $1", [id]);
    h.clock.t = watch.startedAt + 50_000;

    const verifier = new FakeVerifier();
    verifier.healthy.set("cart", false);
    const policy = new PolicySource({ file: h.policyFile, logger: silentLogger, watch: false });
    const b = new RemediationService({ store: h.store, slack: h.slack, logger: silentLogger, policy, defaultChannel: "#incidents", ports: { kubernetes: h.k8s, verifier, escalator: h.escalator, sandboxUrl: "http://sandbox.test", namespace: "shop" }, presenter: blockKitRemediationPresenter, clock: h.clock });
    await b.recover();
    const done = await eventually(async () => {
      const a = await h.remediation.records.get(id);
      return a?.state === "verifying" ? undefined : a;
    }, "replica B's verdict");
    expect(done.state).toBe("unverified");
    // B read once, at the end of A's window (not six times over a window of its own).
    expect(verifier.reads).toBe(1);
    expect(h.clock.t).toBe(watch.startedAt + 60_000);
    expect(done.detail.steps.map((s) => s.text)).toContainEqual(expect.stringMatching(/taken over from a replica that stopped; 10 s of the 60 s window left/));
    b.close();
    h.remediation.close();
  });
});
