import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { startTestAisre, type TestAisre } from "../support/harness.ts";

/**
 * The Home tab and feedback on the sandbox page in real Chromium, driven as a person would: Alice
 * opens aisre's Home (app_home_opened → views.publish), sees no incident, then the incident Carol
 * declares appears without a reload; she rates an @mention answer with the native 👎 feedback
 * button; once resolved she grades the leading cause "Partly" in the thread; Home lists the
 * resolved incident with that grade.
 */
const ARTIFACTS = join(process.cwd(), "test-artifacts");
const WAIT = 90_000;
const TITLE = "Checkout failing for EU customers";

let browser: Browser;
let t: TestAisre;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  t = await startTestAisre();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function declare(): Promise<string> {
  await t.command("U_CAROL", "#incidents", "incident declare");
  const modal = await eventually(async () => (await t.views("U_CAROL")).find((v) => v.callback_id === "declare_incident"), "the declare modal", WAIT);
  await t.submitView("U_CAROL", modal.id, { declare_title: { title: TITLE }, declare_severity: { severity: "sev2" }, declare_service: { service: "checkout" } });
  const [incident] = await eventually(
    async () => {
      const open = await t.aisre.services.store.incidents.listOpen();
      return open.length ? open : undefined;
    },
    "the declared incident",
    WAIT,
  );
  return incident!.id;
}

describe("Home tab and feedback on the sandbox page", () => {
  it("Home shows the open incident and updates; 👎 on an answer and grading the cause are stored and shown", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    page.setDefaultTimeout(WAIT);
    t.aisre.services.diagnosis.configure({ debounceMs: 300, minIntervalMs: 1000, refreshMs: 0 });
    try {
      await page.goto(`${t.sandboxUrl}/`);
      await page.waitForSelector('body[data-ready="1"]');
      const main = page.locator("#messages");

      // Alice opens aisre's Home: the app publishes it on app_home_opened.
      await page.locator("#app-list button").click();
      await expect.poll(() => main.innerText(), { timeout: WAIT }).toMatch(/Open incidents \(0\)/);
      expect(await main.innerText()).toMatch(/No open incidents/);
      expect(await main.innerText()).toMatch(/Automation is on/);
      expect(await main.innerText()).not.toMatch(/has not published a Home tab/);

      // Carol declares an incident; Alice's Home updates by itself (republished after the change).
      const id = await declare();
      await expect.poll(() => main.innerText(), { timeout: WAIT }).toMatch(/Open incidents \(1\)/);
      const home = await main.innerText();
      expect(home).toContain(TITLE);
      expect(home).toMatch(/SEV2/);
      expect(home).toMatch(/open for \d+ (s|min|h)/);
      const link = await main.locator("a", { hasText: TITLE }).getAttribute("href");
      expect(link).toMatch(/\/archives\/C[A-Z0-9]+\/p\d+/);
      await page.screenshot({ path: join(ARTIFACTS, "app-home-open.png") });

      // The control API answers with the same view.
      const viaApi = (await (await fetch(`${t.sandboxUrl}/sandbox/users/U_ALICE/home`, { method: "POST" })).json()) as { view: { type: string; blocks: unknown[] } };
      expect(viaApi.view.type).toBe("home");
      expect(JSON.stringify(viaApi.view.blocks)).toContain(TITLE);

      // A question in the incident's thread; Alice rates the answer 👎 with the native feedback button.
      const root = await eventually(async () => (await t.history("#incidents")).find((m) => JSON.stringify(m).includes(TITLE) && (!m.thread_ts || m.thread_ts === m.ts)), "the incident card", WAIT);
      await t.message("U_BOB", "#incidents", "@aisre what changed in the last hour?", root.ts);
      await page.locator(".channel-link", { hasText: "incidents" }).first().click();
      await page.locator("#messages .message", { hasText: TITLE }).first().locator(".thread-link").click();
      const thread = page.locator("#thread-messages");
      const answer = thread
        .locator(".message")
        .filter({ has: page.locator(".btn-feedback") })
        .last();
      await answer.waitFor();
      await answer.locator(".btn-feedback-negative").click();
      await expect.poll(() => answer.locator(".btn-feedback-negative").getAttribute("aria-pressed")).toBe("true");
      const rating = await eventually(async () => (await t.aisre.services.store.feedback.ratings()).find((r) => r.userId === "U_ALICE"), "the rating in the store", WAIT);
      expect(rating).toMatchObject({ subject: "answer", sentiment: "negative", incidentId: id, messageTs: expect.any(String) });

      // Resolved: "Was this the cause?" in the thread; Alice grades it Partly.
      await t.command("U_ALICE", "#incidents", `incident resolve ${id}`);
      const question = thread.locator(".message", { hasText: "Was this the cause?" });
      await question.waitFor();
      await question.locator("button", { hasText: "Partly (65)" }).click();
      await expect.poll(() => question.innerText(), { timeout: WAIT }).toMatch(/Graded: .*Alice.*partly/is);
      const grades = await t.aisre.services.store.feedback.gradesOf(id);
      expect(grades).toMatchObject([{ userId: "U_ALICE", grade: "partly", score: 65 }]);
      await page.screenshot({ path: join(ARTIFACTS, "app-home-grade.png") });

      // Back on Home: no open incident; the resolved one with its grade.
      await page.locator("#app-list button").click();
      await expect.poll(() => main.innerText(), { timeout: WAIT }).toMatch(/Partly 65\/100 \(1 grade\)/);
      const after = await main.innerText();
      expect(after).toMatch(/Open incidents \(0\)/);
      expect(after).toContain(TITLE);
      expect(after).toMatch(/Mean grade 65\/100 over 1 graded incident/);
      await page.screenshot({ path: join(ARTIFACTS, "app-home-resolved.png") });
    } finally {
      await page.close();
    }
  }, 400_000);
});
