import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION } from "../../blocks/ids.ts";
import { registerListeners } from "../../handlers/index.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { MemoryPagerDuty } from "../support/memory-pagerduty.ts";
import { fakeApp, recorder, type FakeApp } from "./fake-bolt.ts";
import { listenerServices, type ListenerServices } from "./listener-services.ts";

// The /aisre subcommands as listener units, as Bolt's starter template tests them: the listeners
// registered as the app registers them, a fake ack, respond and client; behind them the real
// services on a PGlite test database, an in-memory Slack and an in-memory PagerDuty.

const INCIDENTS = "C_INCIDENTS";
const QUIET = "C_QUIET";
let world: ListenerServices;
let bolt: FakeApp;
let incident: Incident;

beforeAll(async () => {
  world = await listenerServices({ ports: { pagerduty: new MemoryPagerDuty() } });
  bolt = fakeApp();
  registerListeners(bolt.app, world.services);
  // One open incident, its root card posted in #incidents (the channel a command without an id means).
  incident = await world.services.incidents.declare({ title: "checkout failing", severity: "sev2", services: ["checkout"], by: "U_ALICE" });
  await world.deliver();
  await world.services.knowledge.indexRunbooks("./runbooks");
});
afterAll(async () => world.close());

async function aisre(text: string, o: { channel?: string; user?: string } = {}) {
  const r = recorder({ "chat.getPermalink": (a) => ({ ok: true, permalink: `https://example.slack.com/archives/${String(a.channel)}/p${String(a.message_ts).replace(".", "")}` }) });
  await bolt.get("command:/aisre")({ command: { command: "/aisre", text, user_id: o.user ?? "U_ALICE", channel_id: o.channel ?? INCIDENTS, trigger_id: "T1" }, ack: r.ack, respond: r.respond, client: r.client });
  return r;
}
const text = (r: { replies: Array<Record<string, unknown>> }, i = 0) => String(r.replies[i]?.text);
const blocksOf = (r: { replies: Array<Record<string, unknown>> }, i = 0) => JSON.stringify(r.replies[i]?.blocks ?? []);

describe("/aisre status (listener unit)", () => {
  it("acks, then answers with the service's health card, ephemeral, with a Share button naming the service", async () => {
    const r = await aisre("status Checkout", { channel: QUIET });
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral" });
    expect(text(r)).toContain("checkout");
    expect(blocksOf(r)).toContain(`"action_id":"${ACTION.shareInChannel}"`);
    expect(blocksOf(r)).toContain('"value":"status|checkout"');
  });

  it("without a service, takes the open incident's services in this channel", async () => {
    const r = await aisre("status");
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(blocksOf(r)).toContain('"value":"status|checkout"');
  });

  it("an unknown service is an ephemeral 'did you mean' with the usage, and nothing else is said", async () => {
    const r = await aisre("status chekout", { channel: QUIET });
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral" });
    expect(text(r)).toContain("I don't know a service `chekout`. Did you mean `checkout`?");
    expect(text(r)).toContain("Usage: /aisre status");
    const none = await aisre("status", { channel: QUIET });
    expect(text(none)).toMatch(/^Name a service \(one of `checkout`\)/);
  });
});

describe("/aisre oncall (listener unit)", () => {
  it("says who is on call (from PagerDuty) with a Share button", async () => {
    const r = await aisre("oncall checkout", { channel: QUIET });
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral" });
    expect(text(r)).toContain("Dana Oncall");
    expect(blocksOf(r)).toContain('"value":"oncall|checkout"');
  });

  it("without a service, the incident's services here; an unknown one is an ephemeral error with the known ones", async () => {
    expect(blocksOf(await aisre("oncall"))).toContain('"value":"oncall|checkout"');
    const r = await aisre("oncall payments", { channel: QUIET });
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral" });
    expect(text(r)).toContain("I don't know a service `payments`. Known services: `checkout`.");
  });
});

describe("/aisre runbook (listener unit)", () => {
  it("finds the runbooks for some words, ephemeral, with a Share button carrying the query", async () => {
    const r = await aisre("runbook connection pool exhausted");
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral" });
    expect(text(r)).toMatch(/^Runbooks for "connection pool exhausted": .*onnection/);
    expect(blocksOf(r)).toContain('"value":"runbook|connection pool exhausted"');
  });

  it("no words is an ephemeral usage reply", async () => {
    const r = await aisre("runbook");
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(text(r)).toContain("Say what to look for: an alert name, a symptom or a service.");
  });
});

describe("/aisre postmortem (listener unit)", () => {
  it("drafts the postmortem of the channel's incident, then regenerates it on a second run", async () => {
    const first = await aisre("postmortem");
    expect(first.calls).toEqual(["ack", "respond"]);
    expect(first.replies[0]).toMatchObject({ response_type: "ephemeral", text: `Drafting the postmortem of ${incident.id} from its timeline; it appears in the incident's thread.` });
    expect((await world.services.sync.postmortems.get(incident.id))?.version).toBe(1);
    const again = await aisre(`postmortem ${incident.id.toLowerCase()}`, { channel: QUIET });
    expect(text(again)).toBe(`Regenerating the postmortem of ${incident.id} from its timeline; it appears in the incident's thread.`);
    expect((await world.services.sync.postmortems.get(incident.id))?.version).toBe(2);
  });

  it("a channel without incidents, an unknown id or two ids are ephemeral errors, and nothing is drafted", async () => {
    const none = await aisre("postmortem", { channel: QUIET });
    expect(none.calls).toEqual(["ack", "respond"]);
    expect(none.replies[0]).toMatchObject({ response_type: "ephemeral", text: ":warning: There is no incident in this channel. Give its id, e.g. `/aisre postmortem INC-20261123-abc123`." });
    const unknown = await aisre("postmortem INC-20990101-fff");
    expect(text(unknown)).toContain(":warning: No incident `INC-20990101-fff`");
    expect(await world.services.sync.postmortems.get("INC-20990101-fff")).toBeUndefined();
    const two = await aisre("postmortem a b");
    expect(text(two)).toBe("Usage: /aisre postmortem [incident id]");
  });
});

describe("/aisre autonomy (listener unit)", () => {
  it("status is ephemeral; off is said in the channel, naming who pulled it, and holds", async () => {
    const status = await aisre("autonomy");
    expect(status.calls).toEqual(["ack", "respond"]);
    expect(status.replies[0]).toMatchObject({ response_type: "ephemeral", text: "Automation is on" });
    const off = await aisre("autonomy off deploy freeze", { user: "U_BOB" });
    expect(off.replies[0]).toMatchObject({ response_type: "in_channel" });
    expect(text(off)).toMatch(/^:red_circle: Automation is \*off\* for everyone.*\(<@U_BOB>\)$/);
    expect((await world.services.remediation.automation()).enabled).toBe(false);
    expect(blocksOf(await aisre("autonomy status"))).toContain("deploy freeze");
  });

  it("on by someone who is not an approver is refused ephemerally and automation stays off; an unknown verb is a usage reply", async () => {
    await aisre("autonomy off");
    const on = await aisre("autonomy on", { user: "U_MALLORY" });
    expect(on.calls).toEqual(["ack", "respond"]);
    expect(on.replies[0]).toMatchObject({ response_type: "ephemeral" });
    expect(text(on)).toMatch(/^:no_entry: Only .* may turn automation back on\.$/);
    expect((await world.services.remediation.automation()).enabled).toBe(false);
    const odd = await aisre("autonomy sideways");
    expect(text(odd)).toContain("Unknown autonomy action `sideways`.");
  });
});

describe("/aisre audit (listener unit)", () => {
  it("shows the incident's audit entries and the hash chain's state, ephemeral", async () => {
    const r = await aisre(`audit ${incident.id}`, { channel: QUIET });
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral", text: `0 audit entries for ${incident.id}` });
    expect(blocksOf(r)).toContain("Hash chain intact");
    // No id: the channel's one open incident.
    expect(text(await aisre("audit"))).toBe(`0 audit entries for ${incident.id}`);
  });

  it("an unknown incident, or none in the channel, is an ephemeral warning", async () => {
    const r = await aisre("audit INC-20990101-fff");
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining(":warning: No incident `INC-20990101-fff`") });
    expect(text(await aisre("audit", { channel: QUIET }))).toMatch(/^:warning: There is no open incident in this channel/);
  });
});

describe("/aisre incidents (listener unit)", () => {
  it("lists the open incidents with a link to each thread", async () => {
    const r = await aisre("incidents", { channel: QUIET });
    expect(r.calls).toEqual(["ack", "client.chat.getPermalink", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral", text: "1 open incident" });
    expect(blocksOf(r)).toContain(incident.id);
    expect(blocksOf(r)).toContain("https://example.slack.com/archives/C_INCIDENTS/p");
  });
});
