import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockKitRemediationPresenter } from "../../blocks/remediation-card.ts";
import { silentLogger } from "../../src/log.ts";
import { PolicySource } from "../../src/remediate/policy-file.ts";
import { RemediationService } from "../../src/remediate/remediation-service.ts";
import type { SymptomCheck } from "../../src/remediate/types.ts";
import { defined } from "../support/defined.ts";
import { eventually } from "../support/eventually.ts";
import { loadConfig } from "../../src/config.ts";
import { jiraAdapterOptions } from "../../src/integrations/jira/config.ts";
import { createJiraClientAdapter } from "../../src/integrations/jira/jira-client-adapter.ts";
import { JiraApiError } from "../../src/integrations/jira/errors.ts";
import type { JiraPort } from "../../src/integrations/jira/port.ts";
import { JiraWriteQueue, memoryKeptCommentStore } from "../../src/integrations/jira/write-queue.ts";
import { createJiraSandbox, type JiraSandbox } from "../../src/sandbox/jira/jira-sandbox.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { perTestDatabases, secondReplica, testDatabases } from "../support/databases.ts";
import { serveRouter, type Served } from "../sandbox/jira/serve.ts";
import { FakeVerifier, remediationHarness } from "../remediate/fakes.ts";

/**
 * Work a replica had begun is finished by another when it dies (simulated in-process: the first
 * holder stops and its lease is abandoned), without starting it again from the beginning and
 * without doing anything twice.
 */

describe("remediation verification taken over", () => {
  it("continues the watch window the first replica opened, instead of opening a new one", async () => {
    const h = await remediationHarness();
    // Replica A watches cart (still unhealthy) and freezes at its third reading, as a dead process would.
    h.verifier.healthy.set("cart", false);
    const read = h.verifier.read.bind(h.verifier);
    h.verifier.read = (s: SymptomCheck[]) => (h.verifier.reads >= 2 ? new Promise<never>(() => undefined) : read(s));
    const r = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "cart" }, reason: "memory leak" });
    const id = r.actionId;
    defined(id, "action id");
    const watch = await eventually(async () => {
      const w = (await h.remediation.records.get(id))?.detail.watch;
      return h.verifier.reads >= 2 && w ? w : undefined;
    }, "replica A watching");
    // A is gone: its lease is abandoned and runs out. Time goes on to 50 s into A's 60 s window.
    await h.db.query("UPDATE actions SET lease_owner = 'replica-a-gone', lease_until = now() - interval '1 second' WHERE id = $1", [id]);
    h.clock.t = watch.startedAt + 50_000;

    const verifier = new FakeVerifier();
    verifier.healthy.set("cart", false);
    const policy = new PolicySource({ file: h.policyFile, logger: silentLogger, watch: false });
    const b = new RemediationService({ store: h.store, slack: h.slack, logger: silentLogger, policy, defaultChannel: "#incidents", ports: { kubernetes: h.k8s, verifier, escalator: h.escalator, sandboxUrl: "http://sandbox.test", namespace: "shop" }, presenter: blockKitRemediationPresenter, clock: h.clock });
    await b.recover();
    const done = await eventually(async () => {
      const a = await h.remediation.records.get(id);
      return a?.state === "verifying" ? undefined : a;
    }, "replica B's verdict");
    expect(done.state).toBe("unverified");
    // B read once, at the end of A's window (not six times over a window of its own).
    expect(verifier.reads).toBe(1);
    expect(h.clock.t).toBe(watch.startedAt + 60_000);
    expect(done.detail.steps.map((s) => s.text)).toContainEqual(expect.stringMatching(/taken over from a replica that stopped; 10 s of the 60 s window left/));
    b.close();
    h.remediation.close();
  });
});

/** Two stores on one database, as two replicas see it (PGlite: the same handle). */
function replicas(tdb: ReturnType<typeof testDatabases>[number]) {
  const { open, cleanup } = perTestDatabases(tdb);
  return async (): Promise<[Store, Store]> => {
    const db: Db = await open();
    const other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    return [createStore(db), createStore(other)];
  };
}

const never = () => new Promise<never>(() => undefined);

describe.each(testDatabases())("Jira writes taken over on $name", { timeout: 120_000 }, (tdb) => {
  const two = replicas(tdb);
  let sandbox: JiraSandbox;
  let server: Served;
  let jira: JiraPort;
  beforeAll(async () => {
    sandbox = createJiraSandbox();
    server = await serveRouter(sandbox.router);
    jira = createJiraClientAdapter(jiraAdapterOptions(loadConfig({}).jira, server.url));
  });
  afterAll(async () => {
    await server.close();
  });

  it("a comment (and a kept comment) written just before its writer died is not written again by the replica that takes the batch over", async () => {
    const [a, b] = await two();
    const { key } = await jira.createIssue({ incidentId: "INC-T1", title: "Takeover", description: "d", severity: "sev2", services: ["inventory"] });
    const kept = memoryKeptCommentStore();
    // Replica A's Jira calls go through; its second comment is taken by Jira, and A dies before it hears the answer.
    let added = 0;
    const dying: JiraPort = new Proxy(jira, {
      get(target, prop) {
        if (prop !== "addComment") return Reflect.get(target, prop);
        return async (...args: Parameters<JiraPort["addComment"]>) => {
          const r = await target.addComment(...args);
          return ++added >= 2 ? never() : r;
        };
      },
    });
    const A = new JiraWriteQueue({ port: dying, rows: a.jiraWrites, keptComments: kept, schedule: { debounceMs: 200, maxDelayMs: 1_000 }, leaseMs: 300, pollMs: 20 });
    await A.comment(key, "Remediation: rolled back inventory");
    await A.keepComment(key, "postmortem", "Postmortem draft v1");
    A.start();
    await eventually(async () => (added >= 2 ? true : undefined), "replica A writing its batch");
    A.close(); // no more lease renewals: A is gone
    expect(sandbox.store.issue(key).comments.map((c) => c.body)).toEqual(["Remediation: rolled back inventory", "Postmortem draft v1"]);

    // Replica B queues more and takes A's batch over once A's lease has run out.
    const B = new JiraWriteQueue({ port: jira, rows: b.jiraWrites, keptComments: kept, schedule: { debounceMs: 0, maxDelayMs: 0, baseBackoffMs: 20, maxBackoffMs: 50 }, pollMs: 20 });
    await B.comment(key, "Resolved by aisre after 12 min.");
    await B.keepComment(key, "postmortem", "Postmortem draft v2");
    await new Promise((r) => setTimeout(r, 400));
    B.start();
    await B.idle();
    B.close();
    // Each said once; the postmortem comment edited in place, not posted again.
    expect(sandbox.store.issue(key).comments.map((c) => c.body)).toEqual(["Remediation: rolled back inventory", "Postmortem draft v2", "Resolved by aisre after 12 min."]);
    expect(await b.jiraWrites.keys()).toEqual([]);
  });

  it("a comment whose answer was lost (Jira took it, the call failed) is looked up before the retry, not posted twice", async () => {
    const [a] = await two();
    const { key } = await jira.createIssue({ incidentId: "INC-T2", title: "Lost answer", description: "d", severity: "sev2", services: ["cart"] });
    let lost = 1;
    const flaky: JiraPort = new Proxy(jira, {
      get(target, prop) {
        if (prop !== "addComment") return Reflect.get(target, prop);
        return async (...args: Parameters<JiraPort["addComment"]>) => {
          const r = await target.addComment(...args);
          if (lost-- > 0) throw new JiraApiError(503, "the answer was lost");
          return r;
        };
      },
    });
    const q = new JiraWriteQueue({ port: flaky, rows: a.jiraWrites, schedule: { debounceMs: 0, maxDelayMs: 0, baseBackoffMs: 20, maxBackoffMs: 50 }, pollMs: 20 });
    await q.comment(key, "Hypothesis: cart cache evictions");
    q.start();
    await q.idle();
    q.close();
    expect(sandbox.store.issue(key).comments.map((c) => c.body)).toEqual(["Hypothesis: cart cache evictions"]);
  });
});
