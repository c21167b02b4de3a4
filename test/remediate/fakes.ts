import { systemClock } from "../../src/domain/clock.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import { blockKitRemediationPresenter } from "../../blocks/remediation-card.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { OutboxSender } from "../../src/incident/outbox-sender.ts";
import type { SlackCallResult } from "../../src/integrations/slack/slack-port.ts";
import { silentLogger } from "../../src/log.ts";
import { PolicySource } from "../../src/remediate/policy-file.ts";
import type { Clock } from "../../src/domain/clock.ts";
import type { ChangeReport, DryRunOption, Escalator, RemediationKubernetes, RunbookRunner, RunbookTransport, SymptomReading, Verifier, WorkloadRef, WorkloadState } from "../../src/remediate/ports.ts";
import { RemediationService, type RemediationPorts } from "../../src/remediate/remediation-service.ts";
import type { SymptomCheck } from "../../src/remediate/types.ts";
import type { Db } from "../../src/store/db.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { MemorySlack } from "../support/memory-slack.ts";

/** MemorySlack plus the user groups the approvers check reads. */
export class GroupSlack extends MemorySlack {
  groups = [{ id: "S0SREAPPRV", handle: "sre-approvers", users: ["U_ALICE", "U_CAROL"] }];

  override async call(method: string, payload: Record<string, unknown>): Promise<SlackCallResult> {
    if (method === "usergroups.list") return { ok: true, data: { usergroups: this.groups.map((g) => ({ ...g, users: payload.include_users ? [...g.users] : undefined })) } };
    if (method === "usergroups.users.list") {
      const g = this.groups.find((x) => x.id === payload.usergroup || x.handle === payload.usergroup);
      return g ? { ok: true, data: { users: [...g.users] } } : { ok: false, error: { code: "no_such_subteam", transient: false } };
    }
    return super.call(method, payload);
  }

  /** Every version of the card posted for this action (post, then edits in place). */
  card(actionId: string): { ts: string; text: string; blocks: unknown[]; edits: number } | undefined {
    return [...this.messages.values()].find((m) => JSON.stringify(m.blocks).includes(actionId) && m.blocks.length > 1);
  }
}

/** An in-memory cluster: deployments with pods, revisions; records every call. */
export class FakeKubernetes implements RemediationKubernetes {
  readonly calls: Array<{ op: string; name: string; dryRun: boolean; replicas?: number }> = [];
  readonly workloads = new Map<string, WorkloadState>();
  failNext?: string;
  /** Called after each real (non-dry-run) change. */
  onChange?: (op: string, name: string) => void;

  add(name: string, replicas = 3, o: Partial<WorkloadState> = {}): void {
    this.workloads.set(name, {
      ref: { namespace: "shop", kind: "Deployment", name },
      replicas,
      readyReplicas: replicas,
      revision: 2,
      previousRevision: 1,
      version: "2.0.0",
      previousVersion: "1.9.0",
      pods: Array.from({ length: replicas }, (_, i) => ({ name: `${name}-abc-${i}`, ready: true, phase: "Running", restarts: 0 })),
      ...o,
    });
  }

  async workload(ref: WorkloadRef): Promise<WorkloadState | undefined> {
    return this.workloads.get(ref.name);
  }

  private async change(op: string, name: string, o: DryRunOption, replicas?: number): Promise<ChangeReport> {
    this.calls.push({ op, name, dryRun: o.dryRun, replicas });
    if (!this.workloads.has(name) && op !== "deletePod") throw new Error(`deployments.apps "${name}" not found`);
    if (!o.dryRun && this.failNext) {
      const msg = this.failNext;
      this.failNext = undefined;
      throw new Error(msg);
    }
    if (!o.dryRun) this.onChange?.(op, name);
    return { dryRun: o.dryRun, summary: `${op} ${name}${o.dryRun ? " (dry run)" : ""}` };
  }

  restart(ref: WorkloadRef, o: DryRunOption) {
    return this.change("restart", ref.name, o);
  }
  scale(ref: WorkloadRef, replicas: number, o: DryRunOption) {
    return this.change("scale", ref.name, o, replicas);
  }
  rollback(ref: WorkloadRef, o: DryRunOption) {
    return this.change("rollback", ref.name, o);
  }
  pauseRollout(ref: WorkloadRef, o: DryRunOption) {
    return this.change("pauseRollout", ref.name, o);
  }
  deletePod(_ns: string, pod: string, o: DryRunOption) {
    return this.change("deletePod", pod, o);
  }

  real(op?: string): Array<{ op: string; name: string }> {
    return this.calls.filter((c) => !c.dryRun && (!op || c.op === op));
  }
}

/** Health per service, set by the test (or flipped by a change). */
export class FakeVerifier implements Verifier {
  readonly healthy = new Map<string, boolean | undefined>();
  reads = 0;

  async read(symptoms: SymptomCheck[]): Promise<SymptomReading[]> {
    this.reads++;
    return symptoms.map((check) => {
      const h = this.healthy.get(check.service);
      return { check, healthy: h, value: h ? 0.001 : 0.3, summary: `${check.service} ${check.check} ${h ? "0.1%" : "30%"}` };
    });
  }
}

export class FakeEscalator implements Escalator {
  readonly pages: Array<{ incident: string; summary: string }> = [];
  async escalate(incident: Incident, e: { summary: string }) {
    this.pages.push({ incident: incident.id, summary: e.summary });
    return { ok: true, ref: `PD-${this.pages.length}` };
  }
}

export class FakeRunbooks implements RunbookRunner {
  readonly calls: Array<{ url?: string; args: Record<string, unknown>; dryRun: boolean }> = [];
  onRun?: () => void;
  async run(t: RunbookTransport, args: Record<string, unknown>, o: DryRunOption): Promise<ChangeReport> {
    this.calls.push({ url: t.kind === "http" ? t.url : undefined, args, dryRun: o.dryRun });
    if (!o.dryRun) this.onRun?.();
    return { dryRun: o.dryRun, summary: o.dryRun ? "would terminate 1 backend" : "terminated backend 48211" };
  }
}

/** Time that passes only when someone sleeps: verification windows take no real time. */
export class FakeClock implements Clock {
  t = Date.parse("2026-11-24T03:00:00Z");
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
    await new Promise((r) => setImmediate(r));
  };
  /** A timer's wait passes at once, like a sleep's. */
  timer = (ms: number, fn: () => void) => {
    const h = setImmediate(() => {
      this.t += ms;
      fn();
    });
    return () => clearImmediate(h);
  };
}

export const BASE_POLICY = `
limits:
  maxActionsPerHour: 10
verification:
  windowSeconds: 60
  intervalSeconds: 10
  consecutive: 2
rules:
  - match: { action: rollout_restart, service: cart }
    autonomy: auto
  - match: { action: scale, service: frontend }
    autonomy: advise
  - match: { action: pause_rollout }
    autonomy: observe
  - match: { action: delete_pod, service: payments }
    forbidden: true
runbooks:
  kill_db_query:
    title: Kill the runaway query
    description: pg_terminate_backend on the statement
    risk: caution
    reversible: false
    blastRadius: one database session
    rollback: "Not reversible: re-run the report job."
    http: { url: "{sandbox}/sim/hooks/kill-query", method: POST, dryRun: body }
    args:
      queryId: { type: string, pattern: "^[0-9]+$", optional: true }
`;

export interface Harness {
  db: Db;
  store: Store;
  slack: GroupSlack;
  k8s: FakeKubernetes;
  verifier: FakeVerifier;
  escalator: FakeEscalator;
  runbooks: FakeRunbooks;
  clock: FakeClock;
  policy: PolicySource;
  policyFile: string;
  incidents: IncidentService;
  remediation: RemediationService;
  incident: Incident;
  /** Sends everything queued (posts, edits) and waits for running actions. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function remediationHarness(options: { policy?: string; ports?: Partial<RemediationPorts>; noPorts?: Array<keyof RemediationPorts>; db?: Db } = {}): Promise<Harness> {
  const db = options.db ?? (await openDb({ dataDir: "memory" }));
  const store = createStore(db);
  const slack = new GroupSlack();
  const outbox = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 0 });
  const incidents = new IncidentService({ clock: systemClock, store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", outbox, threadFlushMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), "aisre-policy-"));
  const policyFile = join(dir, "policy.yaml");
  writeFileSync(policyFile, options.policy ?? BASE_POLICY);
  const policy = new PolicySource({ file: policyFile, logger: silentLogger, watch: false });
  const k8s = new FakeKubernetes();
  for (const s of ["checkout", "cart", "frontend", "payments"]) k8s.add(s);
  const verifier = new FakeVerifier();
  const escalator = new FakeEscalator();
  const runbooks = new FakeRunbooks();
  const clock = new FakeClock();
  const ports: RemediationPorts = { kubernetes: k8s, verifier, escalator, runbooks, sandboxUrl: "http://sandbox.test", namespace: "shop", ...options.ports };
  for (const k of options.noPorts ?? []) delete ports[k];
  const remediation = new RemediationService({ store, slack, logger: silentLogger, policy, defaultChannel: "#incidents", outbox, ports, presenter: blockKitRemediationPresenter, clock });
  const incident = await incidents.declare({ title: "Checkout errors", severity: "sev2", services: ["checkout"], by: "U_CAROL" });
  const send = async () => {
    for (let i = 0; i < 100 && (await store.outbox.pendingCount()) > 0; i++) await outbox.sendDue();
  };
  const h: Harness = {
    db,
    store,
    slack,
    k8s,
    verifier,
    escalator,
    runbooks,
    clock,
    policy,
    policyFile,
    incidents,
    remediation,
    incident,
    async settle() {
      await send();
      for (let i = 0; i < 5; i++) {
        const cards = remediation.idle();
        // Card edits wait for the post's ts: keep sending while they wait.
        let done = false;
        void cards.then(() => (done = true));
        while (!done) {
          await send();
          await new Promise((r) => setTimeout(r, 5));
        }
        await send();
      }
    },
    async close() {
      await h.settle();
      remediation.close();
      await outbox.stop();
      await db.close();
    },
  };
  await send();
  return h;
}

/** The last audit entries' action names for an incident. */
export async function auditNames(h: Harness): Promise<string[]> {
  return (await h.store.audit.list({ incidentId: h.incident.id })).map((e) => e.action);
}
