import { afterEach, describe, expect, it } from "vitest";
import { ACTION } from "../../blocks/ids.ts";
import { auditNames, remediationHarness, type Harness } from "./fakes.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

const rollback = { type: "rollback", target: { service: "checkout" }, reason: "checkout 3.8.0 deployed 2 min before the 5xx spike", evidence: ["5xx ratio 34% on checkout since 10:02", "deploy checkout 3.8.0 at 10:00"], hypothesisRef: "H1" };

const buttonIds = (blocks: unknown[]) => JSON.stringify(blocks).match(/"action_id":"([a-z_]+)"/g) ?? [];

describe("approval flow", () => {
  let h: Harness;
  const databases = reusedDatabases();
  afterEach(async () => h?.close());

  it("posts a pending card with a confirm dialog, refuses a non-approver, runs and verifies on an approver's click", async () => {
    h = await remediationHarness({ db: await databases.open() });
    h.verifier.healthy.set("checkout", false);
    h.k8s.onChange = () => h.verifier.healthy.set("checkout", true);

    const r = await h.remediation.recommend(h.incident.id, rollback);
    expect(r).toMatchObject({ offered: true, state: "pending", autonomy: "approve" });
    await h.settle();
    const card = h.slack.card(r.actionId!)!;
    expect(card).toBeDefined();
    expect(buttonIds(card.blocks)).toEqual([`"action_id":"${ACTION.remediationApprove}"`, `"action_id":"${ACTION.remediationReject}"`]);
    const confirm = JSON.stringify(card.blocks);
    expect(confirm).toContain("Change: Restores the previous ReplicaSet");
    expect(confirm).toContain("Rollback: Roll forward");
    expect(confirm).toContain("Evidence: 5xx ratio 34%");
    expect(confirm).toContain("Where: deployment/checkout in namespace shop");

    const bob = await h.remediation.approve(r.actionId!, "U_BOB");
    expect(bob.ok).toBe(false);
    expect(bob.message).toMatch(/You can't approve this\. Only `@sre-approvers` \(<@U_ALICE>, <@U_CAROL>\)/);
    expect(h.k8s.real()).toEqual([]);

    const alice = await h.remediation.approve(r.actionId!, "U_ALICE");
    expect(alice).toMatchObject({ ok: true, state: "running" });
    await h.settle();
    expect(h.k8s.calls.filter((c) => c.op === "rollback").map((c) => c.dryRun)).toEqual([true, false]);
    const done = (await h.remediation.records.get(r.actionId!))!;
    expect(done.state).toBe("verified");
    expect(done.approvedBy).toEqual(["U_ALICE"]);
    const final = h.slack.card(r.actionId!)!;
    expect(final.text).toContain("verified");
    expect(final.edits).toBeGreaterThan(0);
    expect(buttonIds(final.blocks)).toEqual([]);
    expect(JSON.stringify(final.blocks)).toContain("Verified");

    expect(await auditNames(h)).toEqual(expect.arrayContaining(["remediation.recommended", "remediation.approval_refused", "remediation.approval", "remediation.started", "remediation.dry_run", "remediation.executed", "remediation.verified"]));
    const refused = (await h.store.audit.list({ incidentId: h.incident.id })).find((e) => e.action === "remediation.approval_refused")!;
    expect(refused.actor).toBe("U_BOB");
    expect(refused.detail).toMatchObject({ type: "rollback", why: rollback.reason, evidence: rollback.evidence, hypothesisRef: "H1" });
    const timeline = await h.store.timeline.list(h.incident.id, ["action"]);
    expect(timeline.map((e) => e.text).join("\n")).toMatch(/Recommended: Roll back on checkout[\s\S]*approved[\s\S]*/);
  });

  it("runs once on a double click (and says so to the second click)", async () => {
    h = await remediationHarness({ db: await databases.open() });
    h.verifier.healthy.set("checkout", false);
    h.k8s.onChange = () => h.verifier.healthy.set("checkout", true);
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    const [a, b] = await Promise.all([h.remediation.approve(actionId!, "U_ALICE"), h.remediation.approve(actionId!, "U_ALICE")]);
    const again = await h.remediation.approve(actionId!, "U_ALICE");
    await h.settle();
    expect(h.k8s.real("rollback")).toHaveLength(1);
    expect([a.ok, b.ok].filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(again.ok).toBe(false);
    expect(again.message).toMatch(/already|Already done/);
  });

  it("runs once when two approvers click at the same moment", async () => {
    h = await remediationHarness({ db: await databases.open() });
    h.verifier.healthy.set("checkout", false);
    h.k8s.onChange = () => h.verifier.healthy.set("checkout", true);
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    const results = await Promise.all([h.remediation.approve(actionId!, "U_ALICE"), h.remediation.approve(actionId!, "U_CAROL")]);
    await h.settle();
    expect(h.k8s.real("rollback")).toHaveLength(1);
    expect((await auditNames(h)).filter((n) => n === "remediation.started")).toHaveLength(1);
    expect(results.some((r) => r.state === "running")).toBe(true);
  });

  it("needs two different approvers for the irreversible query kill", async () => {
    h = await remediationHarness({ db: await databases.open() });
    h.verifier.healthy.set("orders-db", false);
    h.runbooks.onRun = () => h.verifier.healthy.set("orders-db", true);
    const r = await h.remediation.recommend(h.incident.id, { type: "kill_db_query", target: { service: "orders-db" }, params: { queryId: "48211" }, reason: "reporting query holds 6 cores", symptoms: [{ service: "orders-db", check: "db_query_latency" }] });
    expect(r.state).toBe("pending");
    const action = (await h.remediation.records.get(r.actionId!))!;
    expect(action.requiredApprovals).toBe(2);
    await h.settle();
    expect(JSON.stringify(h.slack.card(r.actionId!)!.blocks)).toContain("Approve (0/2)");

    const first = await h.remediation.approve(r.actionId!, "U_ALICE");
    expect(first.message).toContain("(1/2)");
    await h.settle();
    expect(JSON.stringify(h.slack.card(r.actionId!)!.blocks)).toContain("Approved by <@U_ALICE> (1/2)");
    const same = await h.remediation.approve(r.actionId!, "U_ALICE");
    expect(same.ok).toBe(false);
    expect(same.message).toMatch(/already approved.*different approver/);
    expect(h.runbooks.calls).toEqual([]);

    const second = await h.remediation.approve(r.actionId!, "U_CAROL");
    expect(second.state).toBe("running");
    await h.settle();
    expect(h.runbooks.calls.map((c) => [c.url, c.dryRun, c.args.queryId])).toEqual([
      ["http://sandbox.test/sim/hooks/kill-query", true, "48211"],
      ["http://sandbox.test/sim/hooks/kill-query", false, "48211"],
    ]);
    expect((await h.remediation.records.get(r.actionId!))!.state).toBe("verified");
  });

  it("refuses invalid runbook arguments before anything is posted", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const r = await h.remediation.recommend(h.incident.id, { type: "kill_db_query", target: { service: "orders-db" }, params: { queryId: "1; DROP TABLE orders" }, reason: "x" });
    expect(r.offered).toBe(false);
    expect(r.reason).toMatch(/queryId: must match/);
    const extra = await h.remediation.recommend(h.incident.id, { type: "kill_db_query", target: { service: "orders-db" }, params: { sql: "x" }, reason: "x" });
    expect(extra.offered).toBe(false);
  });

  it("dismissal: refused for a non-approver, recorded for an approver, not offered again", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    expect((await h.remediation.reject(actionId!, "U_BOB")).ok).toBe(false);
    expect(await h.remediation.reject(actionId!, "U_CAROL")).toMatchObject({ ok: true, state: "rejected" });
    const again = await h.remediation.recommend(h.incident.id, rollback);
    expect(again).toMatchObject({ duplicate: true, state: "rejected" });
    expect((await h.remediation.approve(actionId!, "U_ALICE")).message).toContain("dismissed");
    expect(h.k8s.real()).toEqual([]);
  });

  it("posts a repeated recommendation once", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const a = await h.remediation.recommend(h.incident.id, rollback);
    const b = await h.remediation.recommend(h.incident.id, { ...rollback, reason: "reworded by a later diagnosis" });
    expect(b).toMatchObject({ duplicate: true, actionId: a.actionId });
    await h.settle();
    expect([...h.slack.messages.values()].filter((m) => m.text.startsWith("Roll back checkout"))).toHaveLength(1);
  });
});
