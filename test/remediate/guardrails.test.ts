import { clockOf, systemClock } from "../../src/domain/clock.ts";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.ts";
import { PolicySource } from "../../src/remediate/policy-file.ts";
import { RemediationService } from "../../src/remediate/remediation-service.ts";
import { auditNames, BASE_POLICY, remediationHarness, type Harness } from "./fakes.ts";
import { firstOf, itemAt } from "../../src/domain/indexed.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { createStore } from "../../src/store/store.ts";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import { defined } from "../support/defined.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

const rollback = { type: "rollback", target: { service: "checkout" }, reason: "bad deploy", evidence: ["5xx 34%"] };
const hasButtons = (blocks: unknown[]) => JSON.stringify(blocks).includes("remediation_approve");

describe("guardrails", () => {
  let h: Harness;
  const databases = reusedDatabases();
  afterEach(async () => h?.close());

  it("stale button: after the incident is resolved a click runs nothing and the card is withdrawn", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    await h.incidents.changeStatus(h.incident.id, "resolved", "U_CAROL", "fixed by hand");
    const r = await h.remediation.approve(actionId!, "U_ALICE");
    expect(await h.remediation.withdrawPending(h.incident.id, "U_CAROL")).toBe(0);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/stale.*resolved/);
    await h.settle();
    expect(h.k8s.real()).toEqual([]);
    expect((await h.remediation.records.get(actionId!))!.state).toBe("stale");
    const card = h.slack.card(actionId!)!;
    expect(hasButtons(card.blocks)).toBe(false);
    expect(JSON.stringify(card.blocks)).toContain("Withdrawn");
    expect(await auditNames(h)).toContain("remediation.stale");
    expect((await h.remediation.recommend(h.incident.id, rollback)).offered).toBe(false);
  });

  it("resolving the incident withdraws its pending cards", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    await h.settle();
    expect(await h.remediation.withdrawPending(h.incident.id, "U_CAROL")).toBe(1);
    await h.settle();
    expect(hasButtons(h.slack.card(actionId!)!.blocks)).toBe(false);
    expect(JSON.stringify(h.slack.card(actionId!)!.blocks)).toContain("the incident was resolved before it ran");
    expect((await h.remediation.approve(actionId!, "U_ALICE")).message).toMatch(/stale/);
  });

  it("a card whose post has not gone out when its action is withdrawn is never posted: the thread does not show a card withdrawn at once", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    // The incident resolves before the outbox got to the card's post.
    expect(await h.remediation.withdrawPending(h.incident.id, "aisre")).toBe(1);
    await h.settle();
    expect(h.slack.card(actionId!)).toBeUndefined();
    expect(JSON.stringify([...h.slack.messages.values()])).not.toContain(actionId!);
    const a = (await h.remediation.records.get(actionId!))!;
    expect(a.state).toBe("stale");
    expect(a.detail.steps.at(-1)?.text).toBe("Withdrawn: the incident was resolved before it ran (its card was never posted)");
    expect(await auditNames(h)).toContain("remediation.stale");
    expect(h.remediation.pendingWork()).toBe(0);
  });

  it("cascading-failure's merge: the payments incident's proposed restart, still on its way to the thread when the incident folds into the cache's, is never posted", async () => {
    h = await remediationHarness({ db: await databases.open() });
    await h.incidents.changeStatus(h.incident.id, "resolved", "U_CAROL", "not this one");
    // The incident service the product runs: the shop's call graph, a clock of its own, the withdrawal on resolve wired as the composition root wires it.
    const topology = {
      services: ["frontend", "checkout", "payments", "cart", "cache"],
      edges: [
        ["frontend", "checkout"],
        ["frontend", "cart"],
        ["checkout", "payments"],
        ["checkout", "cart"],
        ["cart", "cache"],
      ].map(([from, to]) => ({ from: from!, to: to! })),
    };
    let now = Date.now();
    const clock = clockOf(() => now);
    const incidents = new IncidentService({ clock, store: createStore(h.db, clock), logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", topology: () => topology, threadFlushMs: 0 });
    const withdrawals: Array<Promise<void>> = [];
    incidents.events.on("status", (incident, _from, by) => withdrawals.push(h.remediation.incidentStatusChanged(incident, by)));
    const alert = (name: string, service: string, severity: "sev2" | "sev3" = "sev3", source = "alertmanager") => ({
      fingerprint: `fp-${name}-${service}`,
      source,
      name,
      status: "firing" as const,
      severity,
      service,
      summary: `${name} on ${service}`,
      labels: { alertname: name, service },
      startsAt: new Date(now).toISOString(),
    });
    const cache = firstOf((await incidents.ingest({ alerts: [alert("RedisEvictionsHigh", "cache")], changes: [] })).opened);
    now += 10 * 60_000;
    const payments = firstOf((await incidents.ingest({ alerts: [alert("p99-latency anomaly", "payments", "sev3", "anomaly")], changes: [] })).opened);
    const { actionId } = await h.remediation.recommend(payments, { type: "rollout_restart", target: { service: "payments" }, reason: "connection pool exhausted" });
    defined(actionId, "the proposed restart");
    // A minute later checkout fails under both: payments' incident is folded into the cache's.
    now += 60_000;
    await incidents.ingest({ alerts: [alert("SLOErrorBudgetBurn", "checkout", "sev2")], changes: [] });
    expect((await h.store.incidents.card(payments)).mergedInto).toBe(cache);
    await Promise.all(withdrawals);
    await h.settle();
    // Its thread has no action card (posted, then withdrawn at once, before the fix).
    expect(h.slack.card(actionId)).toBeUndefined();
    const a = (await h.remediation.records.get(actionId))!;
    expect(a).toMatchObject({ state: "stale", result: { mergedInto: cache } });
    expect(a.detail.steps.at(-1)?.text).toBe(`Withdrawn: the incident was merged into ${cache} before it ran; its remedy is decided there (its card was never posted)`);
  });

  it("an incident merged into another: its posted card says the remedy is decided in the other thread", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    await h.settle();
    await h.store.incidents.mergeCard(h.incident.id, { mergedInto: "INC-KEPT" });
    await h.incidents.changeStatus(h.incident.id, "resolved", "aisre", "merged into INC-KEPT: one failure");
    await h.remediation.incidentStatusChanged((await h.store.incidents.get(h.incident.id))!, "aisre");
    await h.settle();
    const card = JSON.stringify(h.slack.card(actionId!)!.blocks);
    expect(hasButtons(h.slack.card(actionId!)!.blocks)).toBe(false);
    expect(card).toContain("merged into INC-KEPT before it ran; its remedy is decided in that thread");
    expect(card).not.toContain("the incident was resolved before it ran");
  });

  it("a recommendation made as the incident resolves is refused, not left approvable (its withdrawal already ran)", async () => {
    h = await remediationHarness({ db: await databases.open() });
    await h.incidents.changeStatus(h.incident.id, "resolved", "aisre", "all alerts quiet");
    expect(await h.remediation.withdrawPending(h.incident.id, "aisre")).toBe(0);
    // The diagnosis looked just before the resolution committed: its first read still says open.
    const get = h.store.incidents.get.bind(h.store.incidents);
    let first = true;
    h.store.incidents.get = async (id: string) => {
      const i = await get(id);
      if (!first || !i) return i;
      first = false;
      return { ...i, status: "open" };
    };
    const r = await h.remediation.recommend(h.incident.id, rollback);
    h.store.incidents.get = get;
    expect(r).toMatchObject({ offered: false, reason: "the incident is resolved" });
    expect(await h.remediation.pending()).toEqual([]);
    await h.settle();
    expect(h.remediation.pendingWork()).toBe(0);
  });

  it("kill switch: off for everyone at once, survives a restart, only approvers turn it back on", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    expect((await h.remediation.setAutomation(false, "U_BOB", "something is off")).ok).toBe(true);

    const click = await h.remediation.approve(actionId!, "U_ALICE");
    expect(click.ok).toBe(false);
    expect(click.message).toMatch(/Automation is switched off \(by <@U_BOB>\)/);
    await h.settle();
    expect(hasButtons(h.slack.card(actionId!)!.blocks)).toBe(false);

    // Auto actions become advice while it is off.
    h.verifier.healthy.set("cart", false);
    const auto = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "cart" }, reason: "memory leak" });
    expect(auto).toMatchObject({ offered: true, autonomy: "advise", state: "advised" });

    // A fresh service on the same database (a restart, another replica) sees it off.
    const policy = new PolicySource({ file: h.policyFile, logger: silentLogger, watch: false });
    const other = new RemediationService({ clock: systemClock, store: h.store, slack: h.slack, logger: silentLogger, policy, defaultChannel: "#incidents" });
    expect((await other.automation()).enabled).toBe(false);

    const bobOn = await other.setAutomation(true, "U_BOB");
    expect(bobOn.ok).toBe(false);
    expect(bobOn.message).toContain("Only `@sre-approvers` may turn automation back on");
    expect((await h.remediation.automation()).enabled).toBe(false);
    expect((await other.setAutomation(true, "U_ALICE")).ok).toBe(true);
    expect((await h.remediation.automation()).enabled).toBe(true);
    other.close();

    h.verifier.healthy.set("checkout", false);
    expect((await h.remediation.approve(actionId!, "U_ALICE")).state).toBe("running");
    await h.settle();
    expect(h.k8s.real("rollback")).toHaveLength(1);
    const names = (await h.store.audit.list()).map((e) => e.action);
    expect(names).toEqual(expect.arrayContaining(["automation.off", "automation.on_refused", "automation.on"]));
  });

  it("circuit breaker: once the hourly limit is reached nothing more runs, auto included", async () => {
    h = await remediationHarness({ db: await databases.open(), policy: BASE_POLICY.replace("maxActionsPerHour: 10", "maxActionsPerHour: 1") });
    h.verifier.healthy.set("checkout", false);
    h.verifier.healthy.set("frontend", false);
    const first = await h.remediation.recommend(h.incident.id, rollback);
    const second = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "frontend" }, reason: "stuck" });
    expect((await h.remediation.approve(first.actionId!, "U_ALICE")).state).toBe("running");
    await h.settle();
    const blocked = await h.remediation.approve(second.actionId!, "U_ALICE");
    expect(blocked.ok).toBe(false);
    expect(blocked.message).toMatch(/circuit breaker open: 1 actions ran in the last hour \(limit 1\)/);
    expect((await h.remediation.records.get(second.actionId!))!.state).toBe("pending");
    expect(h.k8s.real("restart")).toEqual([]);

    // An action set to auto is not run either; it waits on the card for a person.
    h.verifier.healthy.set("cart", false);
    const auto = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "cart" }, reason: "leak" });
    expect(auto).toMatchObject({ autonomy: "approve", state: "pending" });
    expect(auto.reason).toMatch(/circuit breaker open/);
    await h.settle();
    expect(h.k8s.real("restart")).toEqual([]);
  });

  it("failed verification: says so, escalates, does not retry, stops offering after the attempt limit", async () => {
    h = await remediationHarness({ db: await databases.open(), policy: `${BASE_POLICY}\nlimits:\n  maxAttempts: 1\n`.replace("limits:\n  maxActionsPerHour: 10\n", "") });
    h.verifier.healthy.set("checkout", false);
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    await h.remediation.approve(actionId!, "U_ALICE");
    await h.settle();
    const a = (await h.remediation.records.get(actionId!))!;
    expect(a.state).toBe("unverified");
    expect(h.k8s.real("rollback")).toHaveLength(1);
    expect(h.escalator.pages).toHaveLength(1);
    expect(itemAt(h.escalator.pages, 0).summary).toMatch(/did not fix it/);
    const card = h.slack.card(actionId!)!;
    expect(JSON.stringify(card.blocks)).toContain("Unverified");
    expect(JSON.stringify(card.blocks)).toContain("Escalation: PD-1");
    expect([...h.slack.messages.values()].some((m) => m.text.includes("did not recover") && m.text.includes("will not retry"))).toBe(true);
    expect(await auditNames(h)).toEqual(expect.arrayContaining(["remediation.unverified", "remediation.escalated"]));
    const again = await h.remediation.recommend(h.incident.id, rollback);
    expect(again.offered).toBe(false);
    expect(again.reason).toMatch(/already tried 1 times/);
  });

  /** Recommends `rec` on checkout, approves it and waits: the change makes checkout healthy, so it ends verified. */
  const runVerified = async (rec: typeof rollback) => {
    h.verifier.healthy.set("checkout", false);
    h.k8s.onChange = () => h.verifier.healthy.set("checkout", true);
    const { actionId } = await h.remediation.recommend(h.incident.id, rec);
    await h.remediation.approve(actionId!, "U_ALICE");
    await h.settle();
    expect((await h.remediation.records.get(actionId!))!.state).toBe("verified");
  };

  it("a remedy done and verified is not offered again in the incident", async () => {
    h = await remediationHarness({ db: await databases.open() });
    await runVerified(rollback);
    const again = await h.remediation.recommend(h.incident.id, rollback);
    expect(again).toMatchObject({ offered: false, reason: "already done in this incident and its recovery verified" });
    expect(h.k8s.real("rollback")).toHaveLength(1);
  });

  it("a remedy that did not hold (the incident came back after its verification) is offered again, up to the attempt limit; a rollback never twice", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const restart = { type: "rollout_restart", target: { service: "checkout" }, reason: "memory leak", evidence: ["OOMKilled"] };
    const comesBack = async () => {
      await new Promise((r) => setTimeout(r, 5));
      await h.incidents.changeStatus(h.incident.id, "resolved", "aisre", "the fix was verified");
      await h.incidents.changeStatus(h.incident.id, "open", "aisre", "KubePodOOMKilled on checkout came back 31 min after it was resolved");
    };
    await runVerified(restart);
    expect(await h.remediation.recommend(h.incident.id, restart)).toMatchObject({ offered: false, reason: "already done in this incident and its recovery verified" });
    // The leak is back: the restart is offered again and buys time.
    await comesBack();
    h.verifier.healthy.set("checkout", false);
    const again = await h.remediation.recommend(h.incident.id, restart);
    expect(again.offered).toBe(true);
    expect(again.duplicate).toBeFalsy();
    await h.remediation.approve(again.actionId!, "U_ALICE");
    await h.settle();
    expect((await h.remediation.records.get(again.actionId!))!.state).toBe("verified");
    // Back once more: the attempt limit (2) says escalate.
    await comesBack();
    expect((await h.remediation.recommend(h.incident.id, restart)).reason).toMatch(/already tried 2 times in this incident \(limit 2\); escalate instead/);
    // A rollback done and verified is never offered again, even after the incident came back.
    await runVerified(rollback);
    await comesBack();
    expect(await h.remediation.recommend(h.incident.id, rollback)).toMatchObject({ offered: false, reason: "already done in this incident and its recovery verified" });
  });

  it("records 'escalation unavailable' when no pager is connected", async () => {
    h = await remediationHarness({ db: await databases.open(), noPorts: ["escalator"] });
    h.verifier.healthy.set("checkout", false);
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    await h.remediation.approve(actionId!, "U_ALICE");
    await h.settle();
    expect((await h.remediation.records.get(actionId!))!.detail.escalation).toBe("unavailable");
    expect(await auditNames(h)).toContain("remediation.escalation_unavailable");
  });

  it("a failed change is reported and escalated", async () => {
    h = await remediationHarness({ db: await databases.open() });
    h.verifier.healthy.set("checkout", false);
    h.k8s.failNext = "admission webhook denied the request";
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    await h.remediation.approve(actionId!, "U_ALICE");
    await h.settle();
    expect((await h.remediation.records.get(actionId!))!.state).toBe("failed");
    expect(h.escalator.pages).toHaveLength(1);
    expect(await auditNames(h)).toContain("remediation.failed");
  });

  it("authorisation follows the policy of click time: a policy edit after posting wins", async () => {
    h = await remediationHarness({ db: await databases.open() });
    h.verifier.healthy.set("checkout", false);
    const { actionId } = await h.remediation.recommend(h.incident.id, rollback);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(h.policyFile, "rules:\n  - match: { action: rollback }\n    autonomy: advise\n");
    expect(h.policy.reload().ok).toBe(true);
    const r = await h.remediation.approve(actionId!, "U_ALICE");
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/only advises/);
    await h.settle();
    expect(hasButtons(h.slack.card(actionId!)!.blocks)).toBe(false);
    writeFileSync(h.policyFile, "defaults:\n  approvers: [U_CAROL]\n");
    expect(h.policy.reload().ok).toBe(true);
    const other = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "frontend" }, reason: "x" });
    expect((await h.remediation.approve(other.actionId!, "U_ALICE")).message).toMatch(/Only <@U_CAROL>/);
    expect(h.k8s.real()).toEqual([]);
  });

  it("forbidden actions are never shown, whether by rule or by risk", async () => {
    h = await remediationHarness({ db: await databases.open(), policy: `${BASE_POLICY}\nactions:\n  scale: { risk: forbidden }\n` });
    const byRule = await h.remediation.recommend(h.incident.id, { type: "delete_pod", target: { service: "payments", pod: "payments-abc-0" }, reason: "stuck pod" });
    const byRisk = await h.remediation.recommend(h.incident.id, { type: "scale", target: { service: "checkout" }, params: { replicas: 6 }, reason: "saturated" });
    expect(byRule.offered).toBe(false);
    expect(byRisk.offered).toBe(false);
    expect(byRule.reason).toMatch(/forbidden/);
    await h.settle();
    const texts = [...h.slack.messages.values()].map((m) => `${m.text} ${JSON.stringify(m.blocks)}`).join("\n");
    expect(texts).not.toMatch(/Delete pod|Scale|remediation_approve/);
    expect((await auditNames(h)).filter((n) => n === "remediation.suppressed")).toHaveLength(2);
    expect(await h.remediation.records.byIncident(h.incident.id)).toEqual([]);
  });

  it("pre-checks: readings back to normal do not skip an approved action while an alert on its target still fires (disk-full: the pod's volume stays full once traffic left it)", async () => {
    h = await remediationHarness({ db: await databases.open() });
    h.verifier.healthy.set("payments", true);
    h.verifier.healthy.set("cart", true);
    const disk = {
      fingerprint: "fp-disk",
      source: "alertmanager",
      name: "PodDiskAlmostFull",
      status: "firing" as const,
      severity: "sev3" as const,
      service: "payments",
      summary: "payments-abc-0 volume is 100% full",
      labels: { alertname: "PodDiskAlmostFull", service: "payments", pod: "payments-abc-0" },
      startsAt: "2026-11-23T10:00:00.000Z",
    };
    // The detector's anomaly follows the readings the pre-check takes: it does not count.
    const anomaly = { ...disk, fingerprint: "fp-anomaly", source: "anomaly", name: "error-ratio anomaly", service: "cart", labels: { alertname: "error-ratio anomaly", service: "cart" } };
    await h.store.alerts.upsert(disk, h.incident.id, "test");
    await h.store.alerts.upsert(anomaly, h.incident.id, "test");
    const firing = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "payments" }, reason: "full volume" });
    defined(firing.actionId, "payments' action");
    await h.remediation.approve(firing.actionId, "U_ALICE");
    await h.settle();
    const ran = (await h.remediation.records.get(firing.actionId))!;
    expect(ran.state).not.toBe("skipped");
    expect(h.k8s.real().length).toBeGreaterThan(0);
    expect(ran.detail.steps.map((s) => s.text)).toContainEqual(expect.stringMatching(/^Pre-check: its readings are back to normal .*, but PodDiskAlmostFull still fires on `payments`; going ahead$/));

    // Only an anomaly still firing on cart: its readings are back to normal, so the restart is skipped.
    const quiet = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "cart" }, reason: "anomaly only" });
    defined(quiet.actionId, "cart's action");
    await h.remediation.approve(quiet.actionId, "U_ALICE");
    await h.settle();
    expect((await h.remediation.records.get(quiet.actionId))!.state).toBe("skipped");
  });

  it("pre-checks: a missing target is refused, a recovered one skipped, a conflicting action waits", async () => {
    h = await remediationHarness({ db: await databases.open() });
    h.verifier.healthy.set("checkout", false);
    h.k8s.workloads.delete("frontend");
    const missing = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "frontend" }, reason: "x" });
    await h.remediation.approve(missing.actionId!, "U_ALICE");
    await h.settle();
    const m = (await h.remediation.records.get(missing.actionId!))!;
    expect(m.state).toBe("refused");
    expect(m.detail.steps.at(-1)!.text).toMatch(/not found/);

    h.verifier.healthy.set("payments", true);
    const healthy = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "payments" }, reason: "x" });
    await h.remediation.approve(healthy.actionId!, "U_ALICE");
    await h.settle();
    expect((await h.remediation.records.get(healthy.actionId!))!.state).toBe("skipped");
    expect(h.k8s.real()).toEqual([]);

    // Conflict: a rollback of checkout is verifying; a restart of checkout must wait.
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const originalRead = h.verifier.read.bind(h.verifier);
    let calls = 0;
    h.verifier.read = async (s) => {
      calls++;
      if (calls > 1) await hold;
      return originalRead(s);
    };
    const first = await h.remediation.recommend(h.incident.id, rollback);
    await h.remediation.approve(first.actionId!, "U_ALICE");
    for (let i = 0; i < 100 && (await h.remediation.records.get(first.actionId!))!.state !== "verifying"; i++) await new Promise((r) => setTimeout(r, 10));
    const second = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "checkout" }, reason: "y" });
    const blocked = await h.remediation.approve(second.actionId!, "U_CAROL");
    expect(blocked.ok).toBe(false);
    expect(blocked.message).toMatch(/another action is running on checkout \(rollback\)/);
    h.verifier.healthy.set("checkout", true);
    release();
    await h.settle();
  });

  it("blast radius: deleting the only ready pod is not offered as a button", async () => {
    h = await remediationHarness({ db: await databases.open() });
    h.k8s.add("search", 1);
    const r = await h.remediation.recommend(h.incident.id, { type: "delete_pod", target: { service: "search", pod: "search-abc-0" }, reason: "stuck" });
    expect(r).toMatchObject({ offered: true, autonomy: "advise", state: "advised" });
    expect(r.reason).toMatch(/1 of 1 ready pods \(100%\) is above the limit of 50%/);
    const scaleUp = await h.remediation.recommend(h.incident.id, { type: "scale", target: { service: "checkout" }, params: { replicas: 50 }, reason: "load" });
    expect(scaleUp.reason).toMatch(/50 replicas is above the limit of 20/);
    await h.settle();
    expect(hasButtons(h.slack.card(r.actionId!)!.blocks)).toBe(false);
  });

  it("StatefulSets are advised, never changed from Slack", async () => {
    h = await remediationHarness({ db: await databases.open() });
    const r = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "orders-db", kind: "StatefulSet" }, reason: "x" });
    expect(r).toMatchObject({ offered: true, autonomy: "advise", state: "advised" });
    expect(r.reason).toMatch(/not StatefulSets/);
  });

  it("per-incident limit turns further recommendations into advice", async () => {
    h = await remediationHarness({ db: await databases.open(), policy: BASE_POLICY.replace("maxActionsPerHour: 10", "maxActionsPerHour: 10\n  maxActionsPerIncident: 1") });
    h.verifier.healthy.set("checkout", false);
    h.k8s.onChange = () => h.verifier.healthy.set("checkout", true);
    const first = await h.remediation.recommend(h.incident.id, rollback);
    await h.remediation.approve(first.actionId!, "U_ALICE");
    await h.settle();
    const next = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "frontend" }, reason: "x" });
    expect(next).toMatchObject({ autonomy: "advise", state: "advised" });
    expect(next.reason).toMatch(/already had 1 actions \(limit 1\)/);
  });
});
