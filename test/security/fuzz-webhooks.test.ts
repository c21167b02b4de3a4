import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/domain/random.ts";
import { SOURCE_NAMES } from "../../src/ingest/registry.ts";
import { hmacSha256Hex } from "../../src/ingest/util.ts";
import { webhookDoor, type WebhookDoor } from "../support/webhook-door.ts";

/**
 * Seeded fuzzing of the webhook door, over HTTP, against every source: valid bodies mutated
 * (truncated, nested deep, wrong types, huge strings, NUL and lone surrogates, keys dropped,
 * garbage bytes, wrong content types) and sent with a right, missing, wrong or replayed signature.
 * Asserted: no 5xx and only documented answers, the server stays up, every delivery accepted is
 * processed (none pending, failed or parked), and the heap stays bounded.
 *
 * FUZZ_SEED and FUZZ_RUNS (bodies per source) reproduce or widen a run.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 16);
const PER_SOURCE = Number(process.env.FUZZ_RUNS ?? 260);

const fixture = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../ingest/fixtures/${name}`, import.meta.url)), "utf8")) as unknown;

const SECRETS = { alertmanagerToken: "am-token", pagerdutySecret: ["pd-secret"], githubSecret: "gh-secret", datadogSecret: "dd-token", argocdSecret: "argo-token", genericSecret: "generic-secret", jiraSecret: "jira-secret" };

/** One valid body per source (what its sender sends), and how the sender authenticates it. */
const SAMPLES: Record<string, { body: () => unknown; headers?: Record<string, string>; sign: (body: Buffer) => Record<string, string> }> = {
  alertmanager: {
    body: () => ({
      receiver: "aisre",
      status: "firing",
      alerts: [
        {
          status: "firing",
          labels: { alertname: "HighErrorRate", service: "checkout", severity: "critical" },
          annotations: { summary: "checkout 5xx above 5%", description: "12% for 5m" },
          startsAt: "2026-01-02T03:00:00.123456789Z",
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "http://prometheus:9090/graph",
          fingerprint: "c6eadffa33fcdf30",
        },
      ],
      groupLabels: { alertname: "HighErrorRate" },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: "http://alertmanager:9093",
      version: "4",
      groupKey: '{}:{alertname="HighErrorRate"}',
      truncatedAlerts: 0,
    }),
    sign: () => ({ authorization: "Bearer am-token" }),
  },
  pagerduty: { body: () => fixture("webhook-v3-incident.priority_updated.json"), sign: (b) => ({ "x-pagerduty-signature": `v1=${hmacSha256Hex("pd-secret", b)}` }) },
  github: { body: () => fixture("deployment.json"), headers: { "x-github-event": "deployment", "x-github-delivery": "d-1" }, sign: (b) => ({ "x-hub-signature-256": `sha256=${hmacSha256Hex("gh-secret", b)}` }) },
  datadog: {
    body: () => ({
      id: "7561353212446373634",
      alert_id: "123456",
      transition: "Triggered",
      alert_type: "error",
      priority: "P2",
      title: "[Triggered] checkout error rate high",
      message: "Error rate is 7%",
      alert_status: "sum(last_5m) > 50",
      scope: "env:prod,service:checkout",
      tags: "env:prod,service:checkout",
      link: "https://app.datadoghq.com/event/event?id=1",
      date: "1767322800000",
      org_id: "11287",
    }),
    sign: () => ({ "x-aisre-token": "dd-token" }),
  },
  argocd: {
    body: () => ({
      event: "app-deployed",
      app: "checkout-prod",
      service: "checkout",
      project: "shop",
      namespace: "shop",
      revision: "8f2b6c1d9e0a4b7c",
      syncStatus: "Synced",
      healthStatus: "Healthy",
      phase: "Succeeded",
      finishedAt: "2026-01-02T03:04:00Z",
      automated: true,
      images: ["ghcr.io/acme/checkout:1.4.2"],
      url: "https://argocd.example.com/applications/checkout-prod",
    }),
    sign: () => ({ "x-aisre-token": "argo-token" }),
  },
  generic: {
    body: () => ({
      alerts: [{ id: "q", name: "QueueDepthHigh", status: "firing", severity: "warning", service: "orders", summary: "queue depth above 10k", labels: { env: "prod" }, startsAt: "2026-01-02T03:00:00Z" }],
      changes: [{ id: "flag-1", kind: "config", service: "checkout", description: "flag on", author: "bob", at: "2026-01-02T02:55:00Z" }],
    }),
    sign: (b) => ({ "x-aisre-signature": `sha256=${hmacSha256Hex("generic-secret", b)}` }),
  },
  jira: {
    body: () => ({
      timestamp: 1767322800000,
      webhookEvent: "jira:issue_updated",
      user: { accountId: "5b10", displayName: "Alice" },
      issue: { id: "10042", key: "OPS-17", fields: { summary: "[sev2] checkout 5xx", status: { name: "In Progress" }, labels: ["aisre"] } },
      changelog: { id: "1", items: [{ field: "status", fromString: "To Do", toString: "In Progress" }] },
    }),
    headers: { "x-atlassian-webhook-identifier": "j-1" },
    sign: (b) => ({ "x-hub-signature": `sha256=${hmacSha256Hex("jira-secret", b)}` }),
  },
  cloudwatch: {
    body: () => ({
      Type: "Notification",
      MessageId: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
      TopicArn: "arn:aws:sns:us-east-1:123456789012:aisre",
      Subject: "ALARM",
      Message: JSON.stringify({
        AlarmName: "checkout-p99-latency",
        AlarmDescription: "service=checkout",
        NewStateValue: "ALARM",
        NewStateReason: "Threshold Crossed",
        StateChangeTime: "2026-01-02T03:00:00.000+0000",
        Region: "US East (N. Virginia)",
        AlarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x",
        OldStateValue: "OK",
        Trigger: { MetricName: "TargetResponseTime", Namespace: "AWS/ApplicationELB", Dimensions: [], Period: 60, EvaluationPeriods: 3, ComparisonOperator: "GreaterThanThreshold", Threshold: 2 },
      }),
      Timestamp: "2026-01-02T03:00:01.234Z",
      SignatureVersion: "1",
    }),
    headers: { "x-amz-sns-message-type": "Notification" },
    sign: () => ({}),
  },
};

const NASTY = ["\u0000", "\ud800", "\udfff", "\ud83d", "<!channel>", "%00", "\\u0000", "\u202e", "\ufeff", "'; DROP TABLE alerts; --", "${jndi:ldap://x}", "password=hunter2hunter2"];

/** Every leaf of a JSON value, with a setter. */
function leaves(v: unknown, out: Array<{ get: () => unknown; set: (x: unknown) => void; key: string }> = []): typeof out {
  if (v && typeof v === "object") {
    for (const k of Object.keys(v)) {
      const o = v as Record<string, unknown>;
      const x = o[k];
      out.push({ get: () => o[k], set: (y) => (o[k] = y), key: k });
      leaves(x, out);
    }
  }
  return out;
}

/** Nested arrays or objects `depth` deep, as JSON text (built as text: no recursion here). */
function deep(depth: number, rng: Rng): string {
  return rng.next() < 0.5 ? `${"[".repeat(depth)}"x"${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}"x"${"}".repeat(depth)}`;
}

/** One mutation of a valid body: the bytes to send and the content type. */
function mutate(sample: unknown, rng: Rng, limit: number): { body: Buffer; contentType: string; kind: string } {
  const v = structuredClone(sample);
  const all = leaves(v);
  const leaf = () => (all.length ? rng.pick(all) : undefined);
  const json = (kind: string, contentType = "application/json") => ({ body: Buffer.from(JSON.stringify(v)), contentType, kind });
  const r = rng.int(14);
  switch (r) {
    case 0: {
      const b = Buffer.from(JSON.stringify(v));
      return { body: b.subarray(0, rng.int(b.length)), contentType: "application/json", kind: "truncated" };
    }
    case 1: {
      leaf()?.set("__DEEP__");
      const text = JSON.stringify(v).replace('"__DEEP__"', deep(rng.pick([50, 500, 5000, 100_000]), rng));
      return { body: Buffer.from(text), contentType: "application/json", kind: "deep" };
    }
    case 2:
      leaf()?.set(rng.pick([0, -1, 1e308, true, null, [], {}, "", [1, "a", null], { nested: { x: 1 } }]));
      return json("wrong type");
    case 3:
      leaf()?.set("A".repeat(rng.pick([10_000, 100_000, Math.max(1, Math.floor(limit / 2))])));
      return json("huge string");
    case 4:
    case 5: {
      for (let i = 0; i < 1 + rng.int(4); i++) {
        const l = leaf();
        if (l && typeof l.get() === "string") l.set(`${String(l.get()).slice(0, rng.int(8))}${rng.pick(NASTY)}${String(l.get()).slice(rng.int(8))}`);
        else l?.set(rng.pick(NASTY));
      }
      if (rng.next() < 0.3 && v && typeof v === "object") (v as Record<string, unknown>)[rng.pick(NASTY)] = rng.pick(NASTY);
      return json("nul/surrogate/markup");
    }
    case 6: {
      const l = all.length ? rng.pick(all) : undefined;
      if (l) l.set(undefined);
      return json("key dropped");
    }
    case 7:
      return { body: Buffer.from(Array.from({ length: rng.int(4096) }, () => rng.int(256))), contentType: rng.pick(["application/json", "application/octet-stream"]), kind: "random bytes" };
    case 8:
      return { body: Buffer.from(JSON.stringify(v)), contentType: rng.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", ""]), kind: "wrong content type" };
    case 9:
      return { body: Buffer.from(rng.pick(["", " ", "null", "[]", "{}", "0", '"x"', "true", "[[[[", '{"a":', "\u0000"])), contentType: "application/json", kind: "degenerate" };
    case 10:
      return { body: Buffer.concat([Buffer.from(JSON.stringify(v)), Buffer.from([0xc3, 0x28, 0xff, 0x00])]), contentType: "application/json", kind: "invalid utf-8" };
    case 11: {
      const s = JSON.stringify(v).replace(/"[^"]{1,20}"/, '"\\ud800\\u0000"');
      return { body: Buffer.from(s), contentType: "application/json", kind: "escaped nul/surrogate" };
    }
    default:
      return json("valid");
  }
}

describe(`webhook fuzzing (seed ${SEED}, ${PER_SOURCE} bodies per source)`, () => {
  let door: WebhookDoor;
  beforeAll(async () => {
    door = await webhookDoor(SECRETS);
  });
  afterAll(async () => door?.close());

  it("no 5xx, only documented answers, nothing accepted and lost, bounded memory", async () => {
    const rng = new Rng(SEED);
    const statuses: Record<string, number> = {};
    const bad: string[] = [];
    const accepted = new Set<string>();
    let sent = 0;
    (globalThis as { gc?: () => void }).gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const limits: Record<string, number> = { alertmanager: 4 << 20, pagerduty: 1 << 20, github: 1 << 20, datadog: 256 << 10, argocd: 256 << 10, generic: 2 << 20, jira: 2 << 20, cloudwatch: 512 << 10 };
    expect(Object.keys(SAMPLES).sort()).toEqual([...SOURCE_NAMES].sort());

    const send = async (source: string, body: Buffer, headers: Record<string, string>) => {
      const res = await fetch(`${door.served.url}/webhooks/${source}`, { method: "POST", headers, body: new Uint8Array(body) });
      const text = await res.text();
      sent++;
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      return { status: res.status, text };
    };

    for (let i = 0; i < PER_SOURCE; i++) {
      for (const source of SOURCE_NAMES) {
        const sample = SAMPLES[source]!;
        const m = mutate(sample.body(), rng, limits[source]!);
        // Unique ids so distinct valid deliveries are not duplicates of one another.
        const body =
          rng.next() < 0.5
            ? Buffer.from(
                m.body.toString("latin1").replace(/c6eadffa33fcdf30|7561353212446373634|22b80b92-fdea/g, (x) => `${x}-${i}`),
                "latin1",
              )
            : m.body;
        const auth = rng.int(10);
        const signature = auth < 7 ? sample.sign(body) : auth === 7 ? {} : auth === 8 ? sample.sign(Buffer.from("another body")) : sample.sign(body.subarray(1));
        const headers: Record<string, string> = {
          ...(m.contentType ? { "content-type": m.contentType } : {}),
          ...sample.headers,
          ...(sample.headers?.["x-github-delivery"] ? { "x-github-delivery": `d-${i}` } : {}),
          ...(sample.headers?.["x-atlassian-webhook-identifier"] ? { "x-atlassian-webhook-identifier": `j-${i}` } : {}),
          ...signature,
        };
        const first = await send(source, body, headers);
        const check = (r: { status: number; text: string }, what: string) => {
          if (r.status >= 500 || ![200, 202, 400, 401, 413].includes(r.status)) bad.push(`${source} ${m.kind} ${what}: ${r.status} ${r.text.slice(0, 200)}`);
        };
        check(first, "first");
        if (first.status === 202) {
          const id = (JSON.parse(first.text) as { deliveryId: string }).deliveryId;
          accepted.add(`${source}/${id}`);
          // A replay of the same signed delivery is a duplicate, never processed twice.
          if (rng.next() < 0.15) {
            const again = await send(source, body, headers);
            check(again, "replayed");
            if (again.status !== 200 || !/duplicate/.test(again.text)) bad.push(`${source} replay answered ${again.status} ${again.text.slice(0, 120)}`);
          }
        }
        if (sent % 200 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      }
    }
    // A few bodies over each limit: a clean 413.
    for (const source of SOURCE_NAMES) {
      const over = await send(source, Buffer.alloc(limits[source]! + 1024, 0x20), { "content-type": "application/json" });
      if (over.status !== 413) bad.push(`${source} over the limit answered ${over.status}`);
    }

    await door.intake.drain();
    const counts = await door.store.deliveries.counts();
    const health = await fetch(`${door.served.url}/webhooks/alertmanager`, { method: "POST", headers: { authorization: "Bearer am-token", "content-type": "application/json" }, body: JSON.stringify(SAMPLES.alertmanager!.body()) });
    (globalThis as { gc?: () => void }).gc?.();
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    process.stdout.write(`fuzz: seed ${SEED}, ${sent} requests, answers ${JSON.stringify(statuses)}, accepted ${accepted.size}, deliveries ${JSON.stringify(counts)}, heap +${Math.round((heapPeak - heapBefore) / 1048576)} MiB\n`);

    expect(bad).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(2000);
    expect(accepted.size).toBeGreaterThan(100);
    expect(statuses[400] ?? 0).toBeGreaterThan(100);
    expect(statuses[401] ?? 0).toBeGreaterThan(50);
    expect([200, 202]).toContain(health.status);
    // Nothing accepted and lost: every stored delivery was processed, none failed or parked.
    expect(counts.pending).toBe(0);
    expect(counts.failed).toBe(0);
    expect(counts.parked).toBe(0);
    expect(counts.total).toBeGreaterThanOrEqual(accepted.size);
    expect(heapPeak - heapBefore).toBeLessThan(512 * 1024 * 1024);
  }, 600_000);
});
