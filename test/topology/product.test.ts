import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeAccuracy } from "../../src/topology/merge.ts";
import { startTestAisre, type TestAisre } from "../support/harness.ts";
import { runNode } from "../support/process.ts";

const TOKEN = "topology-read-token";
type Graph = { services: string[]; edges: Array<{ from: string; to: string; sources: string[] }> };

function text(messages: Array<{ text?: string; blocks?: unknown[] }>): string {
  return messages.map((m) => `${m.text ?? ""}\n${JSON.stringify(m.blocks ?? [])}`).join("\n");
}

describe("the product learns the sandbox's graph like any other system's", () => {
  let t: TestAisre;
  const dataDir = mkdtempSync(join(tmpdir(), "aisre-topology-"));
  beforeAll(async () => {
    t = await startTestAisre({ env: { AISRE_API_TOKEN: TOKEN, AISRE_DATA_DIR: dataDir, AISRE_POLL: "false", SIM_ALERT_DELIVERY: "false" } });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("GET /api/topology: bearer-protected, read-only, and equal to the simulation's true graph from the first request", async () => {
    expect((await fetch(`${t.botUrl}/api/topology`)).status).toBe(401);
    expect((await fetch(`${t.botUrl}/api/topology`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${t.botUrl}/api/topology`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    const res = await fetch(`${t.botUrl}/api/topology`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const found = (await res.json()) as Graph & { discovery: { sources: Array<{ name: string; status: string }> } };
    const truth = (await (await fetch(`${t.sandboxUrl}/sandbox/topology`)).json()) as Graph;
    expect(truth.edges.every((e) => e.sources.join() === "simulation")).toBe(true);
    const acc = edgeAccuracy(found.edges, truth.edges);
    expect(acc, JSON.stringify(acc)).toMatchObject({ precision: 1, recall: 1 });
    expect([...found.services].sort()).toEqual([...truth.services].sort());
    // Learnt from what a cluster exposes, never handed over by the simulation.
    expect(found.edges.flatMap((e) => e.sources).every((s) => ["kubernetes", "service-graph", "istio"].includes(s))).toBe(true);
    expect(found.edges.find((e) => e.from === "checkout" && e.to === "payments")?.sources).toEqual(["istio", "kubernetes", "service-graph"]);
    expect(found.discovery.sources.map((s) => `${s.name}:${s.status}`)).toEqual(["kubernetes:ok", "service-graph:ok", "istio:ok", "linkerd:absent"]);
  });

  it("/aisre status names what a service calls (upstream) and what calls it (downstream)", async () => {
    const seen = text(await t.command("U_ALICE", "#incidents", "status checkout"));
    expect(seen).toMatch(/Upstream \(it calls\)\*: `cart`, `inventory`, `orders-db`, `payments`, `queue`/);
    expect(seen).toMatch(/Downstream \(calls it\)\*: `frontend`/);
  });

  it("the sandbox page draws the discovered graph against the true one", async () => {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      page.setDefaultTimeout(15_000);
      await page.goto(`${t.sandboxUrl}/`);
      await page.waitForSelector('body[data-ready="1"]');
      await page.locator("#side-tabs button", { hasText: "Topology" }).click();
      await page.locator(".topology-graph").waitFor();
      expect(await page.locator(".topology-graph .node").count()).toBe(13);
      expect(await page.locator(".topology-graph .edge-ok").count()).toBe(20);
      expect(await page.locator(".topology-graph .edge-extra, .topology-graph .edge-missing").count()).toBe(0);
      expect(await page.locator(".topology-summary").textContent()).toContain("precision 1.00, recall 1.00");
      expect(await page.locator('.topology-graph [data-edge="frontend -> search"] title').textContent()).toBe("frontend -> search (istio, kubernetes, service-graph)");
      mkdirSync("test-artifacts", { recursive: true });
      await page.locator(".topology").screenshot({ path: join("test-artifacts", "topology-panel.png") });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("npx aisre topology asks a running bot (--url, --json) and reads the stored graph once it stops (--dot)", async () => {
    const viaUrl = runNode(["src/cli/main.ts", "topology", "--json", "--url", t.botUrl], { AISRE_API_TOKEN: TOKEN, LOG_LEVEL: "silent" });
    expect(await viaUrl.exited).toBe(0);
    const graph = JSON.parse(viaUrl.output()) as Graph;
    expect(graph.edges).toContainEqual(expect.objectContaining({ from: "frontend", to: "search" }));
    await t.close();
    const dot = runNode(["src/cli/main.ts", "topology", "--dot"], { AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    expect(await dot.exited).toBe(0);
    expect(dot.output()).toMatch(/^digraph topology \{/);
    expect(dot.output()).toContain('"checkout" -> "payments" [label="istio,kubernetes,service-graph"];');
    const plain = runNode(["src/cli/main.ts", "topology"], { AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    expect(await plain.exited).toBe(0);
    expect(plain.output()).toMatch(/13 services, 20 edges/);
  }, 60_000);
});
