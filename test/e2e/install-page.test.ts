import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Installation } from "@slack/bolt";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAisre, type TestAisre } from "../support/harness.ts";

/**
 * The OAuth install on the sandbox page in real Chromium: the page shows the app's "Add to Slack"
 * link (SLACK_OAUTH=true); a click runs the whole flow in the browser — aisre's /slack/install
 * (state cookie, redirect), the sandbox's authorize page, aisre's /slack/oauth_redirect
 * (oauth.v2.access) — and lands on aisre's "installed" page, which links back to the workspace.
 */
const ARTIFACTS = join(process.cwd(), "test-artifacts");

let browser: Browser;
let t: TestAisre;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  t = await startTestAisre({ env: { SLACK_OAUTH: "true" } });
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("Add to Slack on the sandbox page", () => {
  it("installs aisre through the OAuth flow in the browser, then the workspace works with the installed token", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(t.sandboxUrl);
    const link = page.getByRole("link", { name: "Add to Slack" });
    await link.waitFor({ timeout: 30_000 });
    expect(await link.getAttribute("href")).toBe(`${t.botUrl}/slack/install`);
    await link.click();
    await page.waitForURL(/\/slack\/oauth_redirect\?/, { timeout: 30_000 });
    expect(await page.locator("#installed").textContent()).toContain("T0SANDBOX1");
    await page.screenshot({ path: join(ARTIFACTS, "install-page.png") });
    const stored = await t.aisre.services.store.slackInstallations.find<Installation>({ teamId: "T0SANDBOX1", isEnterpriseInstall: false });
    expect(stored?.installation.bot?.token).toMatch(/^xoxe\.xoxb-/);
    await page.getByRole("link", { name: "Back to the sandbox workspace" }).click();
    await page.waitForURL(`${t.sandboxUrl}/`);
    const seen = await t.command("U_ALICE", "#incidents", "help");
    expect(seen.length).toBeGreaterThan(0);
    await page.close();
  }, 120_000);
});
