import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPair, type Pair } from "../sandbox/slack/harness.ts";

/**
 * The sandbox page in real Chromium, driven like a person would: a tiny Bolt app answers
 * `/aisre help` ephemerally, replies to @mentions in the thread, posts an incident-like card and
 * updates it when a button is clicked (through Slack's confirm dialog), and opens a modal.
 */

const ARTIFACTS = join(process.cwd(), "test-artifacts");

const card = (status: string, done = false) => [
  { type: "header", text: { type: "plain_text", text: ":rotating_light: SEV2 · checkout: 5xx error rate 12%" } },
  {
    type: "section",
    fields: [
      { type: "mrkdwn", text: `*Status*\n${status}` },
      { type: "mrkdwn", text: "*Severity*\nSEV2" },
      { type: "mrkdwn", text: "*Impact*\n~1 in 8 checkouts fail" },
      { type: "mrkdwn", text: "*Commander*\n<@U_CAROL>" },
    ],
  },
  { type: "section", text: { type: "mrkdwn", text: "*What caused it* (confidence 0.82)\nDeploy `checkout v42` at 14:02, 3 min before errors began. See <https://example.com/deploys/42|deploy 42>.\n> Alternates: _payments latency_ (0.11), ~db failover~ (ruled out)" } },
  { type: "context", elements: [{ type: "mrkdwn", text: "Evidence: HighErrorRate, HighLatency, 4 pod restarts · <!subteam^S0SREAPPRV> can approve" }] },
  { type: "divider" },
  {
    type: "actions",
    block_id: "card_actions",
    elements: done
      ? [{ type: "button", action_id: "noop", text: { type: "plain_text", text: "View timeline" } }]
      : [
          {
            type: "button",
            action_id: "acknowledge",
            style: "primary",
            text: { type: "plain_text", text: "Acknowledge" },
            value: "ack",
            confirm: { title: { type: "plain_text", text: "Acknowledge?" }, text: { type: "mrkdwn", text: "You become the *owner* of this incident." }, confirm: { type: "plain_text", text: "Acknowledge" }, deny: { type: "plain_text", text: "Cancel" } },
          },
          { type: "button", action_id: "rollback", style: "danger", text: { type: "plain_text", text: "Roll back checkout" }, value: "rollback" },
          { type: "static_select", action_id: "sev", placeholder: { type: "plain_text", text: "Change severity" }, options: ["SEV1", "SEV2", "SEV3"].map((s) => ({ text: { type: "plain_text", text: s }, value: s })) },
          {
            type: "overflow",
            action_id: "more",
            options: [
              { text: { type: "plain_text", text: "Open Jira" }, value: "jira" },
              { text: { type: "plain_text", text: "Page secondary" }, value: "page" },
            ],
          },
        ],
  },
];

function setup(app: App): void {
  app.command("/aisre", async ({ command, ack, respond, client }) => {
    await ack();
    const sub = command.text.trim();
    if (sub === "help") {
      await respond({
        response_type: "ephemeral",
        text: "aisre commands",
        blocks: [
          { type: "header", text: { type: "plain_text", text: "aisre: your incident co-pilot" } },
          { type: "section", text: { type: "mrkdwn", text: "`/aisre help` show this list\n`/aisre status <service>` health of a service" } },
        ],
      });
    } else if (sub === "card") {
      await client.chat.postMessage({ channel: command.channel_id, text: "SEV2 checkout", blocks: card("Investigating") as never });
    } else if (sub === "note") {
      await client.views.open({
        trigger_id: command.trigger_id,
        view: {
          type: "modal",
          callback_id: "note",
          title: { type: "plain_text", text: "Add a note" },
          submit: { type: "plain_text", text: "Post" },
          blocks: [{ type: "input", block_id: "note", label: { type: "plain_text", text: "Note" }, element: { type: "plain_text_input", action_id: "text" } }],
        },
      });
    }
  });
  app.view("note", async ({ ack, view, body, client }) => {
    await ack();
    await client.chat.postMessage({ channel: "#incidents", text: `Note from <@${body.user.id}>: ${view.state.values.note?.text?.value}` });
  });
  app.event("app_mention", async ({ event, say, client }) => {
    const threadTs = event.thread_ts ?? event.ts;
    if (!event.text.includes("what changed?")) return void (await say({ thread_ts: threadTs, text: `On it — *checkout* looks unhealthy since 14:02. Ask me _what changed?_` }));
    // A slow answer: the thread shows the app's status until the reply.
    await client.assistant.threads.setStatus({ channel_id: event.channel, thread_ts: threadTs, status: "Checking what changed around checkout…" });
    await slowAnswer.promise;
    await say({ thread_ts: threadTs, text: "*inventory* 2.3.0 was deployed at 14:01" });
  });
  app.action<BlockAction<ButtonAction>>("acknowledge", async ({ ack, body, client }) => {
    await ack();
    await client.chat.update({ channel: body.channel!.id, ts: body.message!.ts, text: "SEV2 checkout (acknowledged)", blocks: card(`Acknowledged by <@${body.user.id}>`, true) as never });
  });
  app.action(/^(rollback|sev|more|noop)$/, async ({ ack }) => {
    await ack();
  });
}

const slowAnswer = Promise.withResolvers<void>();
let pair: Pair;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  pair = await startPair(setup, { watch: { settleMs: 300, maxMs: 2000 } });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  page.setDefaultTimeout(10_000);
  await page.goto(`${pair.sandbox.url}/`);
  await page.waitForSelector('body[data-ready="1"]');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pair?.close();
});

async function send(text: string): Promise<void> {
  const input = page.locator("#composer-input");
  await input.fill(text);
  await input.press("Enter");
}

describe("the sandbox page in Chromium", () => {
  it("renders the workspace: channels, people, user switcher", async () => {
    await expect(page.locator(".channel-link", { hasText: "incidents" }).first()).toBeTruthy();
    const channels = await page.locator("#channel-list .channel-link").allTextContents();
    expect(channels.map((c) => c.trim())).toEqual(expect.arrayContaining(["# incidents", "# sre"]));
    const people = await page.locator("#user-switcher option").allTextContents();
    expect(people.join(" ")).toContain("Alice Chen");
    expect(people.join(" ")).toContain("Bob Martin");
    expect(people.join(" ")).toContain("Carol Diaz");
    expect(await page.locator("#channel-title").textContent()).toContain("incidents");
  });

  it("renders mrkdwn like Slack", async () => {
    // A string, so the test runner does not rewrite the browser's dynamic import.
    const html = (await page.evaluate(`import("/web/mrkdwn.js").then((m) => m.mrkdwn(
      "*bold* _it_ ~gone~ \`code\` <https://x.test|link> <@U_ALICE> <#C1> <!subteam^S1> :fire:\\n\`\`\`a *b*\`\`\`",
      { user: (id) => (id === "U_ALICE" ? "alice" : undefined), channel: (id) => (id === "C1" ? "sre" : undefined), group: () => "sre-approvers" }))`)) as string;
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("<em>it</em>");
    expect(html).toContain("<del>gone</del>");
    expect(html).toContain('<code class="inline-code">code</code>');
    expect(html).toContain('href="https://x.test"');
    expect(html).toContain("@alice");
    expect(html).toContain("#sre");
    expect(html).toContain("@sre-approvers");
    expect(html).toContain("🔥");
    expect(html).toContain('<pre class="code-block"><code>a *b*</code></pre>');
  });

  it("/aisre help answers ephemerally, only for the user who asked", async () => {
    await send("/aisre help");
    const eph = page.locator(".message.ephemeral", { hasText: "aisre: your incident co-pilot" });
    await eph.waitFor();
    expect(await eph.locator(".ephemeral-note").textContent()).toContain("Only visible to you");
    expect(await eph.locator("code.inline-code").first().textContent()).toBe("/aisre help");

    await page.selectOption("#user-switcher", "U_BOB");
    await page.waitForFunction(() => document.querySelector("#people-list .me")?.textContent?.includes("Bob"));
    await page.waitForFunction(() => !document.querySelector(".message.ephemeral"));
    await page.selectOption("#user-switcher", "U_ALICE");
    await eph.waitFor();
  });

  it("an @mention gets a reply in the thread, shown in the side panel", async () => {
    await send("@aisre is checkout healthy?");
    const mine = page.locator(".message", { hasText: "is checkout healthy?" }).first();
    await mine.waitFor();
    expect(await mine.locator(".user-mention").textContent()).toBe("@aisre");
    const link = mine.locator(".thread-link");
    await link.waitFor();
    expect(await link.textContent()).toContain("1 reply");
    await link.click();
    const reply = page.locator("#thread-messages .message", { hasText: "checkout looks unhealthy" });
    await reply.waitFor();
    expect(await reply.locator("strong").first().textContent()).toBe("checkout");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#thread", { state: "hidden" });
  });

  it("while the app works on an answer, the thread shows its status; the reply ends it", async () => {
    await send("@aisre is checkout healthy?");
    await page.locator(".message", { hasText: "is checkout healthy?" }).first().locator(".thread-link").click();
    await page.locator("#thread-messages .message", { hasText: "checkout looks unhealthy" }).waitFor();
    const input = page.locator("#thread-input");
    await input.fill("@aisre what changed?");
    await input.press("Enter");
    const status = page.locator("#thread-messages .assistant-status");
    await status.waitFor();
    expect(await status.textContent()).toBe("aisre checking what changed around checkout…");
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-thread-status.png"), fullPage: false });
    slowAnswer.resolve();
    await page.locator("#thread-messages .message", { hasText: "2.3.0 was deployed" }).waitFor();
    await status.waitFor({ state: "detached" });
    await page.keyboard.press("Escape");
    await page.waitForSelector("#thread", { state: "hidden" });
  });

  it("a button click (through the confirm dialog) updates the incident card in place", async () => {
    await send("/aisre card");
    const cardEl = page.locator(".message", { hasText: "SEV2 · checkout" }).last();
    await cardEl.waitFor();
    expect(await cardEl.locator(".block-header").textContent()).toContain("🚨");
    expect(await cardEl.locator(".section-field").count()).toBe(4);
    expect(await cardEl.locator(".btn-primary", { hasText: "Acknowledge" }).count()).toBe(1);
    expect(await cardEl.locator(".btn-danger", { hasText: "Roll back checkout" }).count()).toBe(1);
    expect(await cardEl.locator("select.select option").allTextContents()).toEqual(["Change severity", "SEV1", "SEV2", "SEV3"]);
    expect(await cardEl.locator(".group-mention").textContent()).toBe("@sre-approvers");
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-incident-card.png"), fullPage: false });

    await cardEl.locator("button", { hasText: "Acknowledge" }).click();
    const dialog = page.locator("dialog.confirm-dialog");
    await dialog.waitFor();
    expect(await dialog.locator(".confirm-text strong").textContent()).toBe("owner");
    await dialog.locator('[data-role="confirm"]').click();
    const updated = page.locator(".message", { hasText: "Acknowledged by" });
    await updated.waitFor();
    expect(await updated.locator(".edited").textContent()).toBe("(edited)");
    expect(await updated.locator(".user-mention").allTextContents()).toContain("@alice");
    expect(await updated.locator("button", { hasText: "Acknowledge" }).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "sandbox-incident-acknowledged.png"), fullPage: false });
  });

  it("opens a modal, submits it, and shows the result", async () => {
    await send("/aisre note");
    const modal = page.locator("dialog#modal");
    await modal.waitFor();
    expect(await modal.locator("#modal-title").textContent()).toBe("Add a note");
    await modal.locator("input.text-input").fill("rolled back at 14:20");
    await modal.locator("button[type=submit]").click();
    await page.locator(".message", { hasText: "Note from" }).waitFor();
    await page.locator("dialog#modal").waitFor({ state: "detached" });
  });

  it("is keyboard usable: Enter sends, Tab reaches the buttons", async () => {
    await page.locator("#composer-input").focus();
    await page.keyboard.type("typed with the keyboard");
    await page.keyboard.press("Enter");
    await page.locator(".message", { hasText: "typed with the keyboard" }).waitFor();
    expect(await page.locator("#composer-input").inputValue()).toBe("");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("send");
    const cardButton = page.locator(".message", { hasText: "Acknowledged by" }).locator("button", { hasText: "View timeline" });
    await cardButton.focus();
    expect(await cardButton.evaluate((el) => el === document.activeElement)).toBe(true);
  });
});
