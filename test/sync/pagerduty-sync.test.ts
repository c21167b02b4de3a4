import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PagerDutyIncidentState } from "../../src/sandbox/pagerduty/pagerduty-sandbox.ts";
import { syncHarness, type SyncHarness } from "./harness.ts";

// PagerDuty sync on the real pdjs adapter against the PagerDuty sandbox, v3 webhooks back through the
// intake (signature verified, deduplicated on X-Webhook-Id).

let h: SyncHarness;
beforeAll(async () => {
  // The sandbox's inventory service integration key (seeded as md5("integration:inventory")), and a key no service has.
  const inventoryKey = createHash("md5").update("integration:inventory").digest("hex");
  h = await syncHarness({ file: { pagerduty: { services: { payments: { pageFor: ["sev1", "sev2", "sev3"] }, inventory: { routingKey: inventoryKey }, ghost: { routingKey: "R0GHOST0000000000000000000000001" } } } } });
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const pages = (incidentId: string): PagerDutyIncidentState[] => (h.pdSandbox.state().pagerdutyIncidents as PagerDutyIncidentState[]).filter((i) => i.dedupKey === `aisre:${incidentId}`);
const page = (incidentId: string) => pages(incidentId).at(-1);
const sent = (method: string) => h.pdCalls.filter((c) => c.method === method && c.ok).length;
/** Timeline entries of people's changes made in PagerDuty (never aisre's echoes). */
const fromPd = async (incidentId: string) => (await h.store.timeline.list(incidentId, ["sync"])).filter((e) => e.actor.startsWith("pagerduty:")).map((e) => e.text);

describe("PagerDuty: paging per the routing settings", () => {
  it("pages on open with the stable dedup key; a second page for the same incident is the same PagerDuty incident", async () => {
    const inc = await h.open({ service: "checkout", severity: "sev2" });
    await h.settle();
    expect(pages(inc.id)).toHaveLength(1);
    expect(page(inc.id)).toMatchObject({ status: "triggered", service: "checkout", urgency: "high", assignees: [{ slackUserId: "U_ALICE" }] });
    const link = (await h.store.links.get(inc.id, "pagerduty"))!;
    expect(link.externalId).toBe(page(inc.id)!.id);
    expect(link.url).toContain(`/pagerduty/web/incidents/${link.externalId}`);
    const r = await h.sync.pagerduty!.page(inc.id, "U_BOB", "again");
    expect(r).toMatchObject({ ok: true, error: "already paged" });
    await h.sync.escalate(inc.id, "paged twice?");
    await h.settle();
    expect(pages(inc.id)).toHaveLength(1);
    // The paging card in the thread: who is paged, and Escalate.
    const thread = (await h.thread(inc.id)).join("\n");
    expect(thread).toContain("paging_escalate");
    // aisre's trigger echo is not a person's change.
    expect(await fromPd(inc.id)).toEqual([]);
  });

  it("does not page below the threshold, but offers Page on-call with who is on call; per-service thresholds and routing keys apply", async () => {
    const low = await h.open({ service: "order-processor", severity: "sev3" });
    await h.settle();
    expect(pages(low.id)).toHaveLength(0);
    const card = (await h.thread(low.id)).find((m) => m.includes("Not paged"))!;
    expect(card).toContain("SEV3 does not page");
    expect(card).toContain("paging_page");
    expect(card).toContain("<@U_ALICE>");
    const r = await h.sync.pagerduty!.page(low.id, "U_CAROL", "paged from Slack by <@U_CAROL>");
    expect(r.ok).toBe(true);
    await h.settle();
    expect(page(low.id)).toMatchObject({ status: "triggered", urgency: "low" });

    const payments = await h.open({ service: "payments", severity: "sev3" });
    await h.settle();
    expect(page(payments.id)).toMatchObject({ service: "payments" });

    // inventory's own routing key routes to the inventory service in PagerDuty.
    const inv = await h.open({ service: "inventory", severity: "sev1" });
    await h.settle();
    expect(page(inv.id)).toMatchObject({ service: "inventory" });
    // A routing key PagerDuty does not know: refused, and the thread says so.
    const ghost = await h.open({ service: "ghost", severity: "sev1" });
    await h.settle();
    expect(page(ghost.id)).toBeUndefined();
    expect((await h.thread(ghost.id)).join("\n")).toContain("could not page through PagerDuty");
  });

  it("paging follows severity: a quiet incident pages when an alert raises it into a paging severity, and says so when it falls", async () => {
    const inc = await h.open({ service: "shipping", severity: "sev3" });
    await h.settle();
    expect(pages(inc.id)).toHaveLength(0);
    // A SEV2 alert on the same service joins: the incident rises to SEV2, which pages.
    await h.incidents.ingest({
      alerts: [{ fingerprint: `fp-rise-${Date.now()}`, source: "alertmanager", name: "SLOErrorBudgetBurn", status: "firing", severity: "sev2", service: "shipping", summary: "burning", labels: { alertname: "SLOErrorBudgetBurn", service: "shipping" }, startsAt: new Date().toISOString() }],
      changes: [],
    });
    await h.settle();
    expect((await h.store.incidents.get(inc.id))!.severity).toBe("sev2");
    expect(pages(inc.id)).toHaveLength(1);
    expect(page(inc.id)).toMatchObject({ status: "triggered" });
    let thread = (await h.thread(inc.id)).join("\n");
    // Said once, without nested parentheses ("paged @alice (PagerDuty #1 (level 1))"), nor "SEV2 pages: paged".
    expect(thread).toMatch(/Severity rose from SEV3 to SEV2: paged <@U_ALICE> through PagerDuty #\d+ \(level 1\), as SEV2 pages\./);
    expect(thread).not.toContain("Not paged");
    // A person lowers it: the thread says it no longer pages; the open page stays.
    await h.incidents.setSeverity(inc.id, "sev3", "U_CAROL");
    await h.settle();
    thread = (await h.thread(inc.id)).join("\n");
    expect(thread).toContain("Severity fell from SEV2 to SEV3 (<@U_CAROL>): SEV3 does not page (pages: SEV1, SEV2); the open page");
    expect(page(inc.id)).toMatchObject({ status: "triggered" });
    // Raised again by a person while the page is open: no second page.
    await h.incidents.setSeverity(inc.id, "sev1", "U_CAROL");
    await h.settle();
    expect(pages(inc.id)).toHaveLength(1);
  });

  it("back at a severity it had, its page still open (alerts that come and go), the thread is not told again; a new peak is", async () => {
    const inc = await h.open({ service: "treasury", severity: "sev3" });
    await h.settle();
    const burn = (n: number, severity: "sev1" | "sev2") => ({
      fingerprint: `fp-treasury-${n}-${Date.now()}`,
      source: "alertmanager",
      name: "SLOErrorBudgetBurn",
      status: "firing" as const,
      severity,
      service: "treasury",
      summary: "burning",
      labels: { alertname: "SLOErrorBudgetBurn", service: "treasury", n: String(n) },
      startsAt: new Date().toISOString(),
    });
    const rises = async () => (await h.thread(inc.id)).filter((m) => m.includes("Severity rose")).length;
    await h.incidents.ingest({ alerts: [burn(1, "sev2")], changes: [] });
    await h.settle();
    expect(await rises()).toBe(1);
    // aisre lowers it as the SEV2 alert resolves, then a new SEV2 alert raises it again (seen in the
    // memory-leak walk: "Severity rose from SEV3 to SEV2: already paged" three times in one thread).
    for (let n = 2; n <= 3; n++) {
      await h.incidents.setSeverity(inc.id, "sev3", "aisre");
      await h.settle();
      await h.incidents.ingest({ alerts: [burn(n, "sev2")], changes: [] });
      await h.settle();
      expect((await h.store.incidents.get(inc.id))!.severity).toBe("sev2");
    }
    expect(await rises()).toBe(1);
    expect(pages(inc.id)).toHaveLength(1);
    // A new peak is news, page open or not.
    await h.incidents.ingest({ alerts: [burn(4, "sev1")], changes: [] });
    await h.settle();
    expect((await h.thread(inc.id)).filter((m) => m.includes("Severity rose from SEV2 to SEV1"))).toHaveLength(1);
  });

  it("a rise handled after the incident was resolved (merged into another, or resolved at once) pages nobody", async () => {
    const inc = await h.open({ service: "ledger", severity: "sev3" });
    await h.settle();
    // The sync falls behind: the rise to SEV2 and the resolution wait in the store, in that order.
    await h.relay.stop();
    await h.incidents.ingest({
      alerts: [{ fingerprint: `fp-late-${Date.now()}`, source: "alertmanager", name: "SLOErrorBudgetBurn", status: "firing", severity: "sev2", service: "ledger", summary: "burning", labels: { alertname: "SLOErrorBudgetBurn", service: "ledger" }, startsAt: new Date().toISOString() }],
      changes: [],
    });
    await h.incidents.changeStatus(inc.id, "resolved", "aisre", "merged into INC-other: both explain it");
    h.relay.start();
    await h.settle();
    expect((await h.store.incidents.get(inc.id))!.status).toBe("resolved");
    expect(pages(inc.id)).toHaveLength(0);
    const thread = (await h.thread(inc.id)).join("\n");
    expect(thread).not.toContain("Severity rose");
    // The paging card says why nobody was paged in words that hold: not "Not paged: SEV2 pages".
    expect(thread).not.toContain("Not paged: SEV2 pages");
    expect(thread).toContain("Not paged: resolved before a page went out.");
  });

  it("an incident merged into another before its opening was handled pages nobody and gets no paging card in its closed thread", async () => {
    await h.relay.stop();
    const inc = await h.open({ service: "refunds", severity: "sev2" });
    await h.store.incidents.mergeCard(inc.id, { mergedInto: "INC-other" });
    await h.incidents.changeStatus(inc.id, "resolved", "aisre", "merged into INC-other: both explain it");
    h.relay.start();
    await h.settle();
    expect(pages(inc.id)).toHaveLength(0);
    expect((await h.thread(inc.id)).join("\n")).not.toContain(":pager:");
    expect(await h.store.slackMessages.get(inc.id, "paging")).toBeUndefined();
  });

  it("a rise handled after the severity fell again is told and paged as it was: it did reach a paging severity", async () => {
    const inc = await h.open({ service: "billing", severity: "sev3" });
    await h.settle();
    await h.relay.stop();
    await h.incidents.ingest({
      alerts: [{ fingerprint: `fp-blip-${Date.now()}`, source: "alertmanager", name: "SLOErrorBudgetBurn", status: "firing", severity: "sev2", service: "billing", summary: "burning", labels: { alertname: "SLOErrorBudgetBurn", service: "billing" }, startsAt: new Date().toISOString() }],
      changes: [],
    });
    await h.incidents.setSeverity(inc.id, "sev3", "U_CAROL");
    h.relay.start();
    await h.settle();
    const thread = (await h.thread(inc.id)).join("\n");
    expect(thread).not.toContain("Severity rose from SEV3 to SEV3");
    expect(thread).toContain("Severity rose from SEV3 to SEV2: paged");
    expect(pages(inc.id)).toHaveLength(1);
    expect(thread).toContain("Severity fell from SEV2 to SEV3 (<@U_CAROL>)");
  });

  it("the page's title follows the card's headline (what the incident is now understood to be), not its first signal", async () => {
    const inc = await h.open({ severity: "sev2", name: "SLOErrorBudgetBurn" });
    await h.settle();
    expect(page(inc.id)?.title).toBe(`[SEV2] ${inc.title} (${inc.id})`);
    // The diagnosis names the cause: the card's headline changes, and the page follows it.
    const headline = "Checkout failing 30 % — inventory deploy 2.3.0 likely";
    await h.store.incidents.mergeCard(inc.id, { headline });
    (await h.incidents.headlineChanged(h.store, inc, headline))();
    await h.settle();
    expect(page(inc.id)?.title).toBe(`[SEV2] ${headline} (${inc.id})`);
    expect(pages(inc.id)).toHaveLength(1);
    // A severity change keeps the headline and shows the new severity.
    await h.incidents.setSeverity(inc.id, "sev1", "U_CAROL");
    await h.settle();
    expect(page(inc.id)?.title).toBe(`[SEV1] ${headline} (${inc.id})`);
    // The same headline again changes nothing in PagerDuty.
    const before = sent("retitle");
    (await h.incidents.headlineChanged(h.store, inc, headline))();
    await h.settle();
    expect(sent("retitle")).toBe(before);
    // An incident paged after its headline was written is paged under it.
    const quiet = await h.open({ severity: "sev3" });
    await h.store.incidents.mergeCard(quiet.id, { headline: "Search failing 12 % — search deploy 4.1.0 likely" });
    await h.sync.pagerduty!.page(quiet.id, "U_CAROL", "paged from Slack");
    await h.settle();
    expect(page(quiet.id)?.title).toBe(`[SEV3] Search failing 12 % — search deploy 4.1.0 likely (${quiet.id})`);
  });

  it("the page follows the headline's figures, and the timeline hears of a new title only, not of each figure", async () => {
    const inc = await h.open({ severity: "sev2", name: "SLOErrorBudgetBurn" });
    await h.settle();
    const retitles = async () => (await h.store.timeline.list(inc.id, ["sync"])).filter((e) => e.text.includes("retitled")).map((e) => e.text.replace(/ \(INC-.*$/, "").replace(/#\d+/, "#n"));
    for (const headline of ["Checkout failing 41 % — payments likely", "Checkout failing 45 % — payments likely", "Checkout failing 76 % — payments likely", "Checkout failing 76 % — orders-db likely"]) {
      await h.store.incidents.mergeCard(inc.id, { headline });
      (await h.incidents.headlineChanged(h.store, inc, headline))();
      await h.settle();
      expect(page(inc.id)?.title).toBe(`[SEV2] ${headline} (${inc.id})`);
    }
    expect(await retitles()).toEqual(["PagerDuty #n retitled: [SEV2] Checkout failing 41 % — payments likely", "PagerDuty #n retitled: [SEV2] Checkout failing 76 % — orders-db likely"]);
  });

  it("retries the Events API on 5xx", async () => {
    h.pdSandbox.failNext(2, 503, 0);
    const inc = await h.open({ service: "cart", severity: "sev1" });
    await h.settle();
    expect(page(inc.id)).toMatchObject({ status: "triggered" });
  });
});

describe("PagerDuty: both directions without echo loops", () => {
  it("acknowledge and resolve follow the Slack incident; the echoes change nothing", async () => {
    const inc = await h.open({ service: "frontend", severity: "sev1" });
    await h.settle();
    const acks = sent("acknowledge");
    await h.incidents.changeStatus(inc.id, "acknowledged", "U_ALICE", "on it");
    await h.settle();
    expect(page(inc.id)).toMatchObject({ status: "acknowledged", acknowledgedBy: ["Events API v2"] });
    expect(sent("acknowledge")).toBe(acks + 1);
    await h.incidents.changeStatus(inc.id, "resolved", "U_ALICE", "fixed");
    await h.settle();
    expect(page(inc.id)!.status).toBe("resolved");
    expect(await fromPd(inc.id)).toEqual([]);
    // The Slack incident moved only when people moved it.
    expect((await h.store.timeline.list(inc.id, ["status"])).map((e) => e.actor)).toEqual(["aisre", "U_ALICE", "U_ALICE"]);
  });

  it("a person's ack, reassignment, note and resolve in PagerDuty show in the thread and move the Slack incident, without being sent back", async () => {
    const inc = await h.open({ service: "orders-db", severity: "sev1" });
    await h.settle();
    const [acks, resolves] = [sent("acknowledge"), sent("resolve")];
    const key = `aisre:${inc.id}`;
    expect((await h.act("pagerduty", { as: "alice", incident: key, action: "acknowledge" })).status).toBe(200);
    await h.settle();
    const acked = (await h.store.incidents.get(inc.id))!;
    expect(acked).toMatchObject({ status: "acknowledged", acknowledgedBy: "U_ALICE" });
    expect((await h.thread(inc.id)).join("\n")).toContain("acknowledged in PagerDuty by Alice Chen");
    // Only Alice's acknowledgement: aisre did not send the ack back.
    expect(page(inc.id)!.acknowledgedBy).toEqual(["Alice Chen"]);

    await h.act("pagerduty", { as: "alice", incident: key, action: "reassign", to: "bob" });
    await h.act("pagerduty", { as: "carol", incident: key, action: "note", content: "Failing over to the replica" });
    await h.settle();
    expect(await fromPd(inc.id)).toEqual([`PagerDuty #${page(inc.id)!.number}: Alice Chen reassigned the page to <@U_BOB>.`, `PagerDuty #${page(inc.id)!.number}: Carol Diaz added a note in PagerDuty.: "Failing over to the replica"`]);
    const thread = (await h.thread(inc.id)).join("\n");
    expect(thread).toContain("Failing over to the replica");
    expect(thread).toContain("reassigned the page to <@U_BOB>");

    await h.act("pagerduty", { as: "bob", incident: key, action: "resolve" });
    await h.settle();
    expect((await h.store.incidents.get(inc.id))!.status).toBe("resolved");
    const status = await h.store.timeline.list(inc.id, ["status"]);
    expect(status.at(-1)).toMatchObject({ actor: "U_BOB", data: { why: "resolved in PagerDuty by Bob Martin" } });
    // Nothing went back to PagerDuty: it already knew.
    expect([sent("acknowledge"), sent("resolve")]).toEqual([acks, resolves]);
    expect(page(inc.id)!.status).toBe("resolved");
    // One status change each way: no loop.
    expect(status.map((e) => e.data.to ?? e.data.status)).toEqual(["open", "acknowledged", "resolved"]);
  });

  it("redelivered webhooks (same X-Webhook-Id) are handled once", async () => {
    const inc = await h.open({ service: "cache", severity: "sev2" });
    await h.settle();
    await h.act("pagerduty", { as: "carol", incident: `aisre:${inc.id}`, action: "note", content: "once" });
    await h.settle();
    const delivery = h.pdSandbox.deliveries().find((d) => d.event === "incident.annotated" && d.body.includes('"once"'))!;
    const again = await fetch(delivery.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-webhook-id": delivery.id, "x-pagerduty-signature": (await import("../../src/integrations/pagerduty/webhook-signature.ts")).signPagerDutyBody(delivery.body, ["sandbox-pagerduty-webhook-secret"]) },
      body: delivery.body,
    });
    expect(((await again.json()) as { status: string }).status).toBe("duplicate");
    await h.settle();
    expect((await fromPd(inc.id)).filter((t) => t.includes('"once"'))).toHaveLength(1);
  });
});

describe("PagerDuty: escalation and on-call", () => {
  it("escalates to the next level with the reason as a note; the card shows who is paged now; no further level is a clear error", async () => {
    const inc = await h.open({ service: "queue", severity: "sev1" });
    await h.settle();
    const r = await h.sync.escalate(inc.id, "rollback did not fix it", "aisre");
    expect(r).toMatchObject({ ok: true, ref: expect.stringMatching(/^PagerDuty #\d+ \(level 2\)$/) });
    await h.settle();
    expect(page(inc.id)).toMatchObject({ escalationLevel: 2, assignees: [{ slackUserId: "U_CAROL" }] });
    expect(page(inc.id)!.notes.map((n) => n.content)).toEqual([expect.stringMatching(/^Escalated by aisre: rollback did not fix it \[aisre [0-9a-f]{8}\]$/)]);
    // aisre's escalation and note came back as webhooks: not shown as people's changes.
    expect(await fromPd(inc.id)).toEqual([]);
    expect((await h.thread(inc.id)).join("\n")).toContain("level 2");
    const again = await h.sync.escalate(inc.id, "still broken");
    expect(again).toEqual({ ok: false, error: "there is no further escalation level" });
  });

  it("escalating an incident nobody was paged for pages it", async () => {
    const inc = await h.open({ service: "reporting", severity: "sev4" });
    await h.settle();
    expect(pages(inc.id)).toHaveLength(0);
    const r = await h.sync.escalate(inc.id, "remediation failed");
    expect(r.ok).toBe(true);
    await h.settle();
    expect(pages(inc.id)).toHaveLength(1);
  });

  it("looks up who is on call for a service, with their Slack users", async () => {
    expect(await h.sync.oncallFor("checkout")).toEqual([
      { name: "Alice Chen", email: "alice@example.com", level: 1, schedule: "Shop primary on-call", slackUserId: "U_ALICE" },
      { name: "Carol Diaz", email: "carol@example.com", level: 2, schedule: undefined, slackUserId: "U_CAROL" },
    ]);
  });
});
