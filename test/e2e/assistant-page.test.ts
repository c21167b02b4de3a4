import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Incident } from "../../src/domain/incident.ts";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";

/**
 * The assistant in the sandbox page, in real Chromium, during `bad-deploy`: `/aisre status
 * checkout` shows the unhealthy card (ephemeral, shareable), and an @mention "what changed?" in
 * the incident channel is answered in its thread with the inventory deploy; a chart request shows
 * the uploaded PNG in the thread.
 */

const ARTIFACTS = join(process.cwd(), "test-artifacts");
const M = 60_000;

let t: TestAisre;
let browser: Browser;
let page: Page;
let incident: Incident;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestAisre();
  const sim = t.aisre.sandbox!.sim!;
  const store = t.aisre.services.store;
  expect((await fetch(`${t.sandboxUrl}/sandbox/scenarios/bad-deploy`, { method: "POST" })).ok).toBe(true);
  for (let i = 0; i < 30 && !incident; i++) {
    sim.tick(M);
    await sim.flush();
    await new Promise((r) => setTimeout(r, 30));
    incident = (await store.incidents.listOpen()).find((x) => x.services.includes("checkout"))!;
  }
  expect(incident).toBeDefined();
  sim.tick(3 * M);
  await sim.flush();
  await eventually(async () => ((await store.incidents.card(incident.id)).diagnosis?.cause ? true : undefined), "the diagnosis on the card", 30_000);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  page.setDefaultTimeout(15_000);
  await page.goto(`${t.sandboxUrl}/`);
  await page.waitForSelector('body[data-ready="1"]');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function send(text: string): Promise<void> {
  const input = page.locator("#composer-input");
  await input.fill(text);
  await input.press("Enter");
}

describe("the assistant in the sandbox page (bad-deploy)", () => {
  it("/aisre status checkout shows the unhealthy card, only to the user, and Share posts it", async () => {
    expect(await page.locator("#channel-title").textContent()).toContain("incidents");
    await send("/aisre status checkout");
    const card = page.locator(".message.ephemeral", { hasText: "checkout: unhealthy" });
    await card.waitFor();
    expect(await card.locator(".block-header").textContent()).toContain("🔴");
    const text = (await card.textContent()) ?? "";
    for (const label of ["Pods", "Error rate", "P95 latency", "On call", "Open incidents", "Last changes"]) expect(text).toContain(label);
    expect(text).toMatch(/error rate \d+(\.\d)?% \(baseline/);
    expect(text).toMatch(/Changes to what it calls \(2 h\).*deploy of inventory 2\.3\.0/s);
    expect(await card.locator(".ephemeral-note").textContent()).toContain("Only visible to you");
    await page.screenshot({ path: join(ARTIFACTS, "assistant-status-card.png") });

    await card.locator("button", { hasText: "Share in channel" }).click();
    const shared = page.locator(".message:not(.ephemeral)", { hasText: "Shared by" });
    await shared.waitFor();
    expect(await shared.textContent()).toContain("checkout: unhealthy");
  });

  it("an @mention 'what changed?' is answered in its thread with the inventory deploy", async () => {
    await send("@aisre what changed?");
    const mine = page.locator(".message", { hasText: "what changed?" }).last();
    await mine.waitFor();
    const link = mine.locator(".thread-link");
    await link.waitFor();
    await link.click();
    const answer = page.locator("#thread-messages .message", { hasText: "deploy of inventory 2.3.0" });
    await answer.waitFor();
    const text = (await answer.textContent()) ?? "";
    expect(text).toContain("by maria-dev");
    expect(text).toContain("Rules-based answer");
    expect(await page.locator("#thread-messages .message", { hasText: "Looking into it" }).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "assistant-what-changed.png") });
  });

  it("a chart request shows the uploaded PNG in the thread", async () => {
    await page.locator("#thread-input").fill("@aisre show me checkout's error rate");
    await page.locator("#thread-input").press("Enter");
    const img = page.locator("#thread-messages figure.file-image img");
    await img.first().waitFor();
    expect(await img.first().getAttribute("alt")).toContain("error rate of checkout");
    const loaded = await img.first().evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth);
    // Drawn at 2x of a 1000×500 layout: sharp when Slack (or this page) scales it down.
    expect(loaded).toBe(2000);
    await page.screenshot({ path: join(ARTIFACTS, "assistant-chart.png") });
  });
});
