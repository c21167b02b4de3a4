import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestAisre, type TestAisre } from "../support/harness.ts";

/**
 * The assistant container on the sandbox page, in real Chromium: "✨ aisre" opens the side panel (a
 * new thread with #incidents as context), the suggested prompts show, a prompt is asked and the
 * streamed answer arrives with its title and the feedback buttons; looking at #sre changes the
 * thread's context. A shared aisre incident link shows its unfurl.
 */

const ARTIFACTS = join(process.cwd(), "test-artifacts");

let t: TestAisre;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestAisre();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  page.setDefaultTimeout(30_000);
  await page.goto(`${t.sandboxUrl}/`);
  await page.waitForSelector('body[data-ready="1"]');
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("the assistant side panel on the sandbox page", () => {
  it("opens with a greeting and the suggested prompts, answers a prompt, and follows the channel in view", async () => {
    expect(await page.locator("#channel-title").textContent()).toContain("incidents");
    await page.locator("#open-assistant").click();
    const panel = page.locator("#assistant");
    await panel.locator(".message", { hasText: "I'm aisre" }).waitFor();
    await panel.locator(".assistant-prompt", { hasText: "Who's on call for payments?" }).waitFor();
    expect(await panel.locator(".assistant-prompt").allTextContents()).toEqual(["What's on fire?", "Summarise the checkout incident", "Who's on call for payments?"]);
    expect(await page.locator("#assistant-context").textContent()).toBe("Context: #incidents");

    await panel.locator(".assistant-prompt", { hasText: "Who's on call for payments?" }).click();
    await panel
      .locator(".message", { hasText: /payments/i })
      .filter({ has: page.locator(".block-markdown") })
      .waitFor();
    await eventually(async () => ((await page.locator("#assistant-title").textContent())?.includes("Who's on call for payments?") ? true : undefined), "the thread's title", 30_000);
    // The answer ends with the native feedback buttons; the prompts are gone once asked.
    await panel.locator(".feedback-buttons").last().waitFor();
    expect(await panel.locator(".assistant-prompt").count()).toBe(0);
    expect(await page.locator("#assistant-status").isHidden()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "assistant-panel.png") });

    // Typing a follow-up in the panel.
    await page.locator("#assistant-input").fill("how is checkout doing?");
    await page.locator("#assistant-input").press("Enter");
    await panel.locator(".message", { hasText: "how is checkout doing?" }).waitFor();
    await eventually(async () => ((await panel.locator(".block-markdown").count()) >= 2 ? true : undefined), "the second streamed answer", 30_000);

    // Looking at #sre while the panel is open changes the thread's context (assistant_thread_context_changed).
    await page.locator('.channel-link[data-name="sre"]').click();
    await eventually(async () => ((await page.locator("#assistant-context").textContent()) === "Context: #sre" ? true : undefined), "the new context", 30_000);
  }, 180_000);

  it("draws the unfurl of an aisre incident link under the message that shared it", async () => {
    const alerts = [{ name: "HighErrorRate", status: "firing", severity: "critical", service: "payments", summary: "HighErrorRate on payments" }];
    expect((await t.postWebhook("generic", { alerts })).status).toBe(202);
    const incident = await eventually(async () => (await t.aisre.services.store.incidents.listOpen()).find((i) => i.services.includes("payments")), "the payments incident", 60_000);
    await page.locator('.channel-link[data-name="sre"]').click();
    await page.locator("#composer-input").fill(`have a look: ${t.botUrl}/incidents/${incident.id}`);
    await page.locator("#composer-input").press("Enter");
    const unfurl = page.locator(".message .unfurl", { hasText: incident.id });
    await unfurl.waitFor();
    expect(await unfurl.textContent()).toContain("payments");
    await page.screenshot({ path: join(ARTIFACTS, "incident-unfurl.png") });
  }, 120_000);
});
