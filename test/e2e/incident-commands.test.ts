import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";
import { defined } from "../support/defined.ts";

const text = (m: { text?: string; blocks?: unknown[] }) => `${m.text ?? ""} ${JSON.stringify(m.blocks ?? [])}`;

describe("/aisre incident commands in the sandbox workspace", () => {
  let t: TestAisre;
  beforeAll(async () => {
    t = await startTestAisre();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("declares an incident through the modal, re-grades it and resolves it", async () => {
    await t.command("U_CAROL", "#incidents", "incident declare");
    const modal = await eventually(async () => (await t.views("U_CAROL")).find((v) => v.callback_id === "declare_incident"), "the declare modal");
    // An empty title is refused by the modal itself, with the field named.
    const refused = await fetch(`${t.sandboxUrl}/sandbox/users/U_CAROL/views/${modal.id}/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ values: { declare_title: { title: "x" } } }) });
    expect(JSON.stringify(await refused.json())).toContain("declare_title");
    await t.submitView("U_CAROL", modal.id, { declare_title: { title: "Checkout failing for EU customers" }, declare_severity: { severity: "sev2" }, declare_service: { service: "checkout" } });
    const root = await eventually(async () => (await t.history("#incidents")).find((m) => text(m).includes("Checkout failing for EU customers")), "the declared incident's card");
    const [incident] = await t.aisre.services.store.incidents.listOpen();
    defined(incident, "incident");
    expect(incident).toMatchObject({ origin: "declared", severity: "sev2", services: ["checkout"] });

    const sev = await t.command("U_CAROL", "#incidents", "incident severity sev1");
    expect(sev.map(text).join()).toContain("SEV1");
    await eventually(async () => {
      const card = (await t.history("#incidents")).find((m) => m.ts === root.ts);
      return card && text(card).includes("SEV1") ? card : undefined;
    }, "the card to show SEV1");

    const bad = await t.command("U_CAROL", "#incidents", "incident severity urgent");
    expect(bad.map(text).join()).toMatch(/not a severity/);

    await t.command("U_ALICE", "#incidents", `incident resolve ${incident.id}`);
    await eventually(async () => {
      const card = (await t.history("#incidents")).find((m) => m.ts === root.ts);
      return card && text(card).includes("(resolved)") ? card : undefined;
    }, "the card to look resolved");
    const thread = await t.replies("#incidents", root.ts);
    expect(thread.some((m) => text(m).includes("resolved"))).toBe(true);
    expect((await t.aisre.services.store.timeline.list(incident.id, ["status"])).map((e) => e.text).join("\n")).toMatch(/open → resolved/);
  });

  it("asks which incident when the command cannot tell", async () => {
    const seen = await t.command("U_ALICE", "#sre", "incident resolve");
    expect(seen.map(text).join()).toMatch(/no open incident in this channel/i);
  });
});
