import { describe, expect, it } from "vitest";
import { registerAisreCommand } from "../../handlers/commands/aisre.ts";
import { incidentSubcommand } from "../../handlers/commands/incident.ts";
import { incidentsSubcommand } from "../../handlers/commands/incidents.ts";
import type { Subcommand } from "../../handlers/commands/subcommand.ts";
import type { Services } from "../../src/app/services.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { AppError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { createAppMetrics } from "../../src/observability/metrics.ts";
import { fakeApp, recorder } from "./fake-bolt.ts";

// The /aisre dispatcher and its subcommands as listener units: a fake app, ack, respond and client;
// only the service methods a listener calls.

const incident = { id: "INC-20261205-abc123", title: "checkout 5xx", status: "open", severity: "sev2", services: ["checkout"] } as unknown as Incident;

function servicesWith(extra: Record<string, unknown> = {}): Services {
  return { logger: silentLogger, metrics: createAppMetrics(), ...extra } as unknown as Services;
}

async function run(text: string, services: Services, extra: Subcommand[] = [incidentSubcommand, incidentsSubcommand]) {
  const { app, get } = fakeApp();
  registerAisreCommand(app, services, extra);
  const r = recorder();
  await get("command:/aisre")({ command: { text, user_id: "U_ALICE", channel_id: "C_INC", trigger_id: "T1" }, ack: r.ack, respond: r.respond, client: r.client });
  return r;
}

describe("/aisre dispatcher (listener unit)", () => {
  it("acks before anything else; no words is help, listing every subcommand", async () => {
    const r = await run("", servicesWith());
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.acks).toEqual([undefined]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral" });
    for (const usage of ["help", "incidents", "incident declare"]) expect(String(r.replies[0]?.text)).toContain(usage);
  });

  it("an unknown subcommand is answered with the closest names, escaped", async () => {
    const r = await run("incidnets", servicesWith());
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(r.replies[0]).toMatchObject({ response_type: "ephemeral", text: 'Unknown command "incidnets". Did you mean `incidents`?' });
    const odd = await run("<!channel>", servicesWith());
    expect(String(odd.replies[0]?.text)).not.toContain("<!channel>");
  });

  it("a known error becomes a friendly warning and an unknown one an apology with a reference, both after the ack", async () => {
    const failing = (e: Error): Subcommand => ({ name: "boom", usage: "boom", summary: "fails", run: async () => Promise.reject(e) });
    const known = await run("boom", servicesWith(), [failing(new AppError("not_allowed", "You can't do that here."))]);
    expect(known.calls).toEqual(["ack", "respond"]);
    expect(known.replies[0]).toMatchObject({ response_type: "ephemeral", text: ":warning: You can't do that here." });
    const unknown = await run("boom", servicesWith(), [failing(new Error("socket hang up"))]);
    expect(String(unknown.replies[0]?.text)).toMatch(/^:x: Something went wrong while handling that \(ref `[0-9a-z]+`\)/);
    expect(String(unknown.replies[0]?.text)).not.toContain("socket hang up");
  });

  it("replies pass the redactor: a token in a subcommand's answer never reaches Slack", async () => {
    const leaky: Subcommand = { name: "leak", usage: "leak", summary: "", run: async ({ respond }) => void (await respond({ response_type: "ephemeral", text: "token xoxb-2011223344-5566778899-AbCdEfGhIjKl" })) };
    const r = await run("leak", servicesWith(), [leaky]);
    expect(String(r.replies[0]?.text)).not.toContain("xoxb-2011223344");
  });
});

describe("/aisre incident (listener unit)", () => {
  it("resolve: finds the incident by id in any case, changes its status as the user, and says so", async () => {
    const changes: unknown[] = [];
    const services = servicesWith({
      store: { incidents: { get: async (id: string) => (id === incident.id ? incident : undefined) } },
      incidents: { changeStatus: async (...args: unknown[]) => void changes.push(args) },
    });
    const r = await run("incident resolve inc-20261205-ABC123", services);
    expect(r.calls).toEqual(["ack", "respond"]);
    expect(changes).toEqual([[incident.id, "resolved", "U_ALICE", "via /aisre incident resolve"]]);
    expect(r.replies[0]).toMatchObject({ text: `${incident.id} is now resolved.` });
  });

  it("severity: a wrong grade is a usage reply, a right one re-grades the incident", async () => {
    const graded: unknown[] = [];
    const services = servicesWith({
      store: { incidents: { get: async () => incident } },
      incidents: { setSeverity: async (...args: unknown[]) => void graded.push(args) },
    });
    const wrong = await run(`incident severity sev9 ${incident.id}`, services);
    expect(String(wrong.replies[0]?.text)).toContain("`sev9` is not a severity");
    expect(graded).toEqual([]);
    const right = await run(`incident severity SEV1 ${incident.id}`, services);
    expect(graded).toEqual([[incident.id, "sev1", "U_ALICE"]]);
    expect(right.replies[0]).toMatchObject({ text: `${incident.id} is now SEV1.` });
  });

  it("declare opens the modal with the command's trigger id; an unknown incident id is a friendly warning", async () => {
    const services = servicesWith({ topology: () => ({ services: ["checkout", "inventory"] }), store: { incidents: { get: async () => undefined } } });
    const { app, get } = fakeApp();
    registerAisreCommand(app, services, [incidentSubcommand]);
    const r = recorder();
    await get("command:/aisre")({ command: { text: "incident declare checkout", user_id: "U_ALICE", channel_id: "C_INC", trigger_id: "T-42" }, ack: r.ack, respond: r.respond, client: r.client });
    expect(r.calls).toEqual(["ack", "client.views.open"]);
    expect(r.api[0]?.args).toMatchObject({ trigger_id: "T-42", view: { type: "modal", private_metadata: JSON.stringify({ channel: "C_INC" }) } });
    expect(JSON.stringify(r.api[0]?.args)).toContain('"value":"inventory"');
    const missing = await run("incident ack INC-20990101-fff", services);
    expect(missing.replies[0]).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining(":warning: No incident `INC-20990101-fff`") });
  });
});
