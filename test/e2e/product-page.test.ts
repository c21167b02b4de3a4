import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAisre, type TestAisre } from "../support/harness.ts";

/** The real product behind the sandbox page, used in Chromium the way a person uses Slack. */
const ARTIFACTS = join(process.cwd(), "test-artifacts");

let t: TestAisre;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestAisre();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  page.setDefaultTimeout(15_000);
  await page.goto(`${t.sandboxUrl}/`);
  await page.waitForSelector('body[data-ready="1"]');
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
}, 120_000);

async function send(text: string): Promise<void> {
  const input = page.locator("#composer-input");
  await input.fill(text);
  await input.press("Enter");
}

describe("aisre through the sandbox page", () => {
  it("answers /aisre help ephemerally", async () => {
    await send("/aisre help");
    const eph = page.locator(".message.ephemeral", { hasText: "aisre: your incident co-pilot" });
    await eph.waitFor();
    expect(await eph.textContent()).toContain("/aisre incident");
  });

  it("replies to an @mention in the thread", async () => {
    await send("@aisre hello from the page");
    const mine = page.locator(".message", { hasText: "hello from the page" }).first();
    await mine.locator(".thread-link").waitFor();
    await mine.locator(".thread-link").click();
    await page.locator("#thread-messages .message").nth(1).waitFor();
    expect((await page.locator("#thread-messages .message").allTextContents()).join(" ")).toMatch(/aisre/i);
    await page.keyboard.press("Escape");
  });

  it("shows an incident card and updates it in place when Acknowledge is clicked", async () => {
    const res = await t.postWebhook("generic", { alerts: [{ name: "HighErrorRate", status: "firing", severity: "critical", service: "checkout", summary: "checkout 5xx above 5%" }] });
    expect(res.status).toBe(202);
    const card = page.locator(".message", { hasText: "What caused it" }).first();
    await card.waitFor();
    expect(await card.locator(".block-header").textContent()).toContain("checkout 5xx above 5%");
    await page.screenshot({ path: join(ARTIFACTS, "product-incident-card.png") });
    await card.locator("button", { hasText: "Acknowledge" }).click();
    await page.locator(".message", { hasText: "What caused it" }).filter({ hasText: "acknowledged" }).first().waitFor();
    expect(await card.locator("button", { hasText: "Acknowledge" }).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "product-incident-acknowledged.png") });
  });
});
