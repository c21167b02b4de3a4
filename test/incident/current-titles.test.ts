import { describe, expect, it } from "vitest";
import { incidentListBlocks } from "../../blocks/incident-list.ts";
import { incidentCardMessage } from "../../blocks/incident-card.ts";
import { incidentUnfurl } from "../../blocks/incident-unfurl.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { currentTitle, titleOf, withCurrentTitles } from "../../src/incident/lookup.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";

// bad-deploy walk: the root card said "Checkout failing 30 % — inventory deploy 2.3.0 likely" while
// `/aisre incidents`, `/aisre status checkout` and the card's own Resolve dialog still said "Anomaly:
// checkout error-ratio spiked (1.75 % vs 0.58 % expected)", the first signal's title.
describe.each(testDatabases())("lists show an incident's current title, on $name", ({ open }) => {
  const { store } = storePerBlock(open);

  it("the card's headline once the diagnosis wrote one, else the first title; a declared incident keeps its own", async () => {
    const first = "Anomaly: checkout error-ratio spiked (1.75 % vs 0.58 % expected)";
    const headline = "Checkout failing 30 % — inventory deploy 2.3.0 likely";
    const a = await store.incidents.create({ id: "INC-20261207-aaaaaa", title: first, severity: "sev2", origin: "detected", services: ["checkout"] });
    const b = await store.incidents.create({ id: "INC-20261207-bbbbbb", title: "Payments slow", severity: "sev3", origin: "declared", services: ["payments"] });
    expect(await currentTitle(store, a)).toBe(first);
    await store.incidents.mergeCard(a.id, { headline });
    expect(await currentTitle(store, a)).toBe(headline);
    expect(titleOf(a, await store.incidents.card(a.id))).toBe(headline);

    const listed = await withCurrentTitles(store, await store.incidents.listOpen());
    expect(listed.map((i) => i.title)).toEqual([headline, "Payments slow"]);
    const text = JSON.stringify(incidentListBlocks(listed.map((incident) => ({ incident, firing: 1 }))));
    expect(text).toContain("Checkout failing 30 %");
    expect(text).not.toContain("Anomaly: checkout");
    expect(b.title).toBe("Payments slow");
  });
});

describe("blocks that read the card", () => {
  it("the card's Resolve dialog names the headline; an unfurl's icon follows the incident's severity", () => {
    const incident: Incident = { id: "INC-20261207-cccccc", title: "Anomaly: checkout error-ratio spiked", status: "open", severity: "sev2", origin: "detected", services: ["checkout"], createdAt: "2026-12-07T20:39:00Z", updatedAt: "2026-12-07T20:39:00Z" };
    const card = JSON.stringify(incidentCardMessage({ incident, headline: "Checkout failing 30 % — inventory deploy 2.3.0 likely", alerts: { total: 1, firing: 1, names: ["SLOErrorBudgetBurn"] }, links: {} }).blocks);
    expect(card).toContain("Mark *Checkout failing 30 % — inventory deploy 2.3.0 likely* resolved");
    expect(JSON.stringify(incidentUnfurl(incident, {}, undefined).blocks)).toContain(":red_circle:");
    expect(JSON.stringify(incidentUnfurl({ ...incident, severity: "sev4" }, {}, undefined).blocks)).toContain(":large_blue_circle:");
  });
});
