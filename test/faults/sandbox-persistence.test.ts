import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JiraStore } from "../../src/sandbox/jira/store.ts";
import { PdStore } from "../../src/sandbox/pagerduty/store.ts";
import { persistDelay, persistSnapshots } from "../../src/sandbox/persist-file.ts";
import { persistWorkspace } from "../../src/sandbox/slack/persist.ts";
import { SlackWorkspace } from "../../src/sandbox/slack/workspace.ts";
import { FaultSwitch } from "../../src/sandbox/faults.ts";
import { createSimulatedSystem, type SimulatedSystem } from "../../src/sandbox/sim/system.ts";
import { serveRouter } from "../sandbox/jira/serve.ts";

describe("the sandbox Slack workspace across a restart", () => {
  it("keeps channels, messages, threads, edits and metadata in the data folder; new messages come after", () => {
    const file = join(mkdtempSync(join(tmpdir(), "aisre-ws-")), "sandbox", "slack-workspace.json");
    const before = new SlackWorkspace();
    const saved = persistWorkspace(before, file);
    const incidents = before.channel("#incidents")!.id;
    const root = before.post({ channel: incidents, user: before.botUserId, text: "root card", metadata: { event_type: "aisre_outbox", event_payload: { outbox_id: "7" } } });
    const reply = before.post({ channel: incidents, user: "U_ALICE", text: "looking", threadTs: root.ts });
    before.update(incidents, root.ts, { text: "root card (edited)" }, before.botUserId);
    const created = before.createChannel({ name: "inc-42", creator: "U_CAROL", members: ["U_ALICE"] });
    saved.close();

    const after = new SlackWorkspace();
    persistWorkspace(after, file).close();
    expect(after.message(incidents, root.ts)).toMatchObject({ text: "root card (edited)", metadata: { event_payload: { outbox_id: "7" } } });
    expect(after.replies(incidents, root.ts).map((m) => m.ts)).toEqual([reply.ts]);
    expect(after.channel("#inc-42")?.id).toBe(created.id);
    expect(after.isMember(created.id, "U_ALICE")).toBe(true);
    // A later edit finds the message (it failed with message_not_found when the workspace was forgotten).
    expect(after.update(incidents, root.ts, { text: "resolved" }).text).toBe("resolved");
    const next = after.post({ channel: incidents, user: "U_BOB", text: "later" });
    expect(Number(next.ts)).toBeGreaterThan(Number(reply.ts));
  });
});

describe("the Jira and PagerDuty sandboxes across a restart", () => {
  const dir = () => join(mkdtempSync(join(tmpdir(), "aisre-parts-")), "sandbox");
  const keep = (file: string, store: { snapshot(): string; restore(json: string): void }) => persistSnapshots({ file, what: "test", snapshot: () => store.snapshot(), restore: (j) => store.restore(j), everyMs: 60_000 });

  it("keeps Jira's issues and comments; the next issue gets the next key", () => {
    const file = join(dir(), "jira.json");
    const before = new JiraStore({ requiredFields: {} });
    const saved = keep(file, before);
    const issue = before.createIssue("aisre", { fields: { project: { key: "OPS" }, issuetype: { name: "Incident" }, summary: "Checkout failing", labels: ["aisre-INC-1"] } }, "2");
    before.addComment("aisre", issue.key, "Hypothesis: inventory deploy", "2");
    saved.close();

    const after = new JiraStore({ requiredFields: {} });
    keep(file, after).close();
    expect(after.find(issue.key)).toMatchObject({ summary: "Checkout failing", labels: ["aisre-INC-1"] });
    expect(after.find(issue.key)?.comments.map((c) => c.body)).toEqual(["Hypothesis: inventory deploy"]);
    const next = after.createIssue("aisre", { fields: { project: { key: "OPS" }, issuetype: { name: "Incident" }, summary: "Another" } }, "2");
    expect(next.key).not.toBe(issue.key);
    expect(Number(next.id)).toBeGreaterThan(Number(issue.id));
  });

  it("keeps PagerDuty's incidents by dedup key; numbers continue", () => {
    const file = join(dir(), "pagerduty.json");
    const before = new PdStore();
    const saved = keep(file, before);
    const service = before.services[0]!;
    const page = before.open({ serviceId: service.id, title: "Checkout failing", urgency: "high", incidentKey: "aisre:INC-1", agent: { type: "service_reference", id: service.id } });
    saved.close();

    const after = new PdStore();
    keep(file, after).close();
    expect(after.find("aisre:INC-1")).toMatchObject({ id: page.id, title: "Checkout failing", number: page.number });
    const next = after.open({ serviceId: service.id, title: "Another", urgency: "low", agent: { type: "service_reference", id: service.id } });
    expect(next.number).toBe(page.number + 1);
  });
});

describe("the simulation across a restart of the sandbox", () => {
  const START = Date.parse("2026-11-24T10:00:00Z");
  /** What can be told of the world from outside: its clock, scenario, workloads, health, alerts, remediations. */
  const seen = (sim: SimulatedSystem) => ({
    now: sim.now(),
    scenario: sim.activeInfo()?.name ?? null,
    deployments: [...sim.world.cluster.deployments.values()].map((d) => [d.metadata.name, d.spec.replicas, d.metadata.annotations["deployment.kubernetes.io/revision"]]),
    health: sim.health(),
    alerts: sim.firingAlerts().map((a) => `${a.alertname}/${a.service}`),
    actions: sim.actions().map((a) => `${a.action} ${a.target}`),
  });

  it("continues the same world: its clock, the running scenario, changes made through its APIs and what comes next", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-sim-"));
    const make = () => createSimulatedSystem({ speed: 60, seed: 11, dataDir, publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: 30 * 60_000, persist: true });
    const before = make();
    await before.start("bad-deploy");
    before.tick(6 * 60_000);
    // Someone scales checkout through the Kubernetes API (as kubectl or the bot's remediation would).
    const served = await serveRouter(before.router);
    const res = await fetch(`${served.url}/k8s/apis/apps/v1/namespaces/shop/deployments/checkout`, { method: "PATCH", headers: { authorization: `Bearer ${before.token}`, "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { replicas: 5 } }) });
    expect(res.status).toBe(200);
    await served.close();
    before.tick(4 * 60_000);
    const then = seen(before);
    expect(then.scenario).toBe("bad-deploy");
    expect(then.actions).toContain("scale shop/checkout");
    await before.stop(); // the sandbox stops (a restart); what is saved is on disk

    const after = make();
    expect(seen(after)).toEqual(then);
    expect(after.token).toBe(before.token);
    // And it goes on as the first one would have: the same world from here.
    before.tick(5 * 60_000);
    after.tick(5 * 60_000);
    expect(seen(after)).toEqual(seen(before));
    await after.stop();
  });

  it("an input made after the last save is not lost: it comes again at its step as the clock catches up", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-sim-"));
    const make = () => createSimulatedSystem({ speed: 60, seed: 12, dataDir, publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: 30 * 60_000, persist: true });
    const before = make();
    before.tick(2 * 60_000);
    await before.start("memory-leak");
    before.tick(3 * 60_000);
    // The process dies here: no stop, nothing saved since it was made (the inputs are on disk as they came).
    const after = make();
    expect(after.now()).toBeLessThan(before.now());
    after.tick(before.now() - after.now());
    expect(seen(after)).toEqual(seen(before));
    expect(after.activeInfo()?.name).toBe("memory-leak");
  });

  it("a world that ran longer than a restart replays begins anew instead of replaying every step it took", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-sim-"));
    const make = () => createSimulatedSystem({ speed: 60, seed: 13, dataDir, publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: 10 * 60_000, persist: true, maxReplayMs: 20 * 60_000 });
    const short = make();
    await short.start("disk-full");
    short.tick(15 * 60_000);
    await short.stop();
    // Within the bound: the same world again.
    const again = make();
    expect(again.activeInfo()?.name).toBe("disk-full");
    expect(again.now()).toBe(short.now());
    again.tick(10 * 60_000);
    await again.stop();
    // Past it (25 simulated minutes run, 20 replayed at most): a new world from the start, nothing running.
    const fresh = make();
    expect(fresh.activeInfo()).toBeNull();
    expect(fresh.now()).toBe(START);
    expect(readdirSync(dataDir).some((f) => f.startsWith("simulation.json.") && f.endsWith(".old"))).toBe(true);
    await fresh.stop();
  });

  it("a world of another seed starts fresh (the old files are set aside)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-sim-"));
    const first = createSimulatedSystem({ speed: 60, seed: 1, dataDir, publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: 10 * 60_000, persist: true });
    await first.start("disk-full");
    await first.stop();
    const other = createSimulatedSystem({ speed: 60, seed: 2, dataDir, publicUrl: "http://127.0.0.1:9", startTime: START, historyMs: 10 * 60_000, persist: true });
    expect(other.activeInfo()).toBeNull();
  });
});

describe("the sandbox fault switch across a restart", () => {
  it("keeps the faults in progress until their end; ended ones are gone", () => {
    const file = join(mkdtempSync(join(tmpdir(), "aisre-faults-")), "sandbox", "faults.json");
    let now = 1_000_000;
    const before = new FaultSwitch(() => now);
    const saved = persistSnapshots({ file, what: "faults", snapshot: () => before.snapshot(), restore: (j) => before.restore(j), everyMs: 60_000 });
    before.add({ target: "slack", mode: "429", seconds: 30 });
    before.add({ target: "jira", mode: "5xx", method: "POST", seconds: 5 });
    saved.close();

    now += 10_000;
    const after = new FaultSwitch(() => now);
    persistSnapshots({ file, what: "faults", snapshot: () => after.snapshot(), restore: (j) => after.restore(j), everyMs: 60_000 }).close();
    expect(after.active()).toEqual([{ target: "slack", mode: "429", until: 1_030_000 }]);
    now += 30_000;
    expect(after.active()).toEqual([]);
  });
});

describe("sandbox state files as the state grows (a long storm: hundreds of tickets and threads)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits 20 times a snapshot's cost before the next one, never less than its period", () => {
    expect(persistDelay(500, 3)).toBe(500);
    expect(persistDelay(500, 50)).toBe(1000);
    expect(persistDelay(100, 40.2)).toBe(804);
  });

  it("a part's state file is looked at less often once a snapshot costs more than 1/20 of its period", () => {
    vi.useFakeTimers();
    const file = join(mkdtempSync(join(tmpdir(), "aisre-paced-")), "sandbox", "part.json");
    let now = 0;
    let snapshots = 0;
    // Each snapshot costs 50 ms (measured by the clock it is given) and finds a change.
    const kept = persistSnapshots({ file, what: "test", snapshot: () => ((now += 50), JSON.stringify({ n: ++snapshots })), restore: () => undefined, everyMs: 500, elapsedMs: () => now });
    vi.advanceTimersByTime(500);
    expect(snapshots).toBe(1);
    vi.advanceTimersByTime(999);
    expect(snapshots).toBe(1);
    vi.advanceTimersByTime(1);
    expect(snapshots).toBe(2);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ n: 2 });
    kept.close();
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ n: 3 });
  });

  it("the Slack workspace file is written after a change, paced by the last write's cost, and every change reaches it", () => {
    vi.useFakeTimers();
    const file = join(mkdtempSync(join(tmpdir(), "aisre-paced-ws-")), "sandbox", "slack-workspace.json");
    const ws = new SlackWorkspace();
    let now = 0;
    // Each write costs 20 ms: the next waits 400 ms rather than 100.
    const saved = persistWorkspace(ws, file, undefined, 100, () => (now += 20));
    const incidents = ws.channel("#incidents")!.id;
    ws.post({ channel: incidents, user: ws.botUserId, text: "first" });
    vi.advanceTimersByTime(100);
    expect(readFileSync(file, "utf8")).toContain("first");
    ws.post({ channel: incidents, user: ws.botUserId, text: "second" });
    vi.advanceTimersByTime(399);
    expect(readFileSync(file, "utf8")).not.toContain("second");
    vi.advanceTimersByTime(1);
    expect(readFileSync(file, "utf8")).toContain("second");
    saved.close();
  });
});
