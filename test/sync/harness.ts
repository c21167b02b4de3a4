import { systemClock, type Clock } from "../../src/domain/clock.ts";
import type { PostmortemPresenter } from "../../src/postmortem/presenter.ts";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import { blockKitSyncPresenter } from "../../blocks/paging.ts";
import type { Alert, Severity } from "../../src/domain/alert.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { Router } from "../../src/http/router.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { IncidentEventRelay } from "../../src/incident/event-relay.ts";
import { OutboxSender } from "../../src/incident/outbox-sender.ts";
import { jira as jiraSource } from "../../src/ingest/sources/jira.ts";
import { pagerduty as pagerdutySource } from "../../src/ingest/sources/pagerduty.ts";
import { jiraAdapterOptions } from "../../src/integrations/jira/config.ts";
import { createJiraClientAdapter } from "../../src/integrations/jira/jira-client-adapter.ts";
import type { JiraPort } from "../../src/integrations/jira/port.ts";
import { pagerDutyAdapterOptions } from "../../src/integrations/pagerduty/config.ts";
import { createPdjsAdapter } from "../../src/integrations/pagerduty/pdjs-adapter.ts";
import type { PagerDutyPort } from "../../src/integrations/pagerduty/port.ts";
import { PAGERDUTY_SANDBOX } from "../../src/integrations/pagerduty/sandbox-account.ts";
import type { SlackCallResult } from "../../src/integrations/slack/slack-port.ts";
import { silentLogger } from "../../src/log.ts";
import type { PostmortemNarrator } from "../../src/postmortem/narrator.ts";
import type { RequestCountsPort } from "../../src/postmortem/request-counts.ts";
import { createJiraSandbox, type JiraSandbox, type JiraSandboxOptions } from "../../src/sandbox/jira/jira-sandbox.ts";
import { createPagerDutySandbox, type PagerDutySandbox } from "../../src/sandbox/pagerduty/pagerduty-sandbox.ts";
import { SANDBOX_PEOPLE } from "../../src/sandbox/pagerduty/people.ts";
import type { Db } from "../../src/store/db.ts";
import type { KbEntry } from "../../src/store/repos/knowledge.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { syncSettings } from "../../src/sync/sync-config.ts";
import { SyncService } from "../../src/sync/sync-service.ts";
import { WebhookIntake } from "../../src/webhooks/intake.ts";
import { webhookRoutes } from "../../src/webhooks/routes.ts";
import { MemorySlack } from "../support/memory-slack.ts";
import { serveRouter, type Served } from "../sandbox/jira/serve.ts";

/**
 * The sync capability on real parts, in one process: an incident service over PGlite, the Slack
 * outbox into an in-memory Slack, the Jira and PagerDuty sandboxes over HTTP (the real jira-client
 * and pdjs adapters talk to them), and their webhooks coming back through the real intake.
 */

/** MemorySlack plus the users API for the sandbox people (names and emails). */
export class PeopleSlack extends MemorySlack {
  override async call(method: string, payload: Record<string, unknown>): Promise<SlackCallResult> {
    if (method === "users.lookupByEmail") {
      const p = SANDBOX_PEOPLE.find((x) => x.email === String(payload.email).toLowerCase());
      return p ? { ok: true, data: { user: { id: p.slackUserId } } } : { ok: false, error: { code: "users_not_found", transient: false } };
    }
    if (method === "users.info") {
      const p = SANDBOX_PEOPLE.find((x) => x.slackUserId === payload.user);
      return p ? { ok: true, data: { user: { id: p.slackUserId, real_name: p.name, profile: { real_name: p.name, email: p.email } } } } : { ok: false, error: { code: "user_not_found", transient: false } };
    }
    return super.call(method, payload);
  }
}

/** Counts the calls made through a port (and when), to check debouncing and retries. */
export function counting<T extends object>(port: T): { port: T; calls: Array<{ method: string; at: number; ok: boolean }> } {
  const calls: Array<{ method: string; at: number; ok: boolean }> = [];
  const proxy = new Proxy(port, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      return async (...args: unknown[]) => {
        const at = Date.now();
        try {
          const r = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          calls.push({ method: String(prop), at, ok: true });
          return r;
        } catch (e) {
          calls.push({ method: String(prop), at, ok: false });
          throw e;
        }
      };
    },
  });
  return { port: proxy, calls };
}

/** The Jira write schedule of the harness (settle() flushes, so only the debounce tests wait for it). */
export const JIRA_SCHEDULE = { debounceMs: 250, maxDelayMs: 2_000, baseBackoffMs: 30, maxBackoffMs: 200 };

export interface SyncHarness {
  db: Db;
  /** The durable incident events' relay (stopped, events wait in the store for its next start). */
  relay: IncidentEventRelay;
  store: Store;
  slack: PeopleSlack;
  incidents: IncidentService;
  sync: SyncService;
  jiraSandbox: JiraSandbox;
  pdSandbox: PagerDutySandbox;
  jiraCalls: Array<{ method: string; at: number; ok: boolean }>;
  pdCalls: Array<{ method: string; at: number; ok: boolean }>;
  sandboxUrl: string;
  kb: KbEntry[];
  /** Opens an incident from one alert (on a service of its own unless one is given). */
  open(o?: { service?: string; severity?: Severity; name?: string }): Promise<Incident>;
  /** Lets everything settle: webhooks both ways, writes, thread posts. */
  settle(): Promise<void>;
  /** Thread messages (text and blocks) of an incident. */
  thread(incidentId: string): Promise<string[]>;
  act(system: "jira" | "pagerduty", body: Record<string, unknown>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * `db`: the replica's database handle (by default an embedded one of its own, closed with the
 * harness); a test that kills the replica passes its own (test/support/dying-db.ts).
 */
export async function syncHarness(o: { file?: unknown; jira?: JiraSandboxOptions; narrator?: PostmortemNarrator; jiraSettings?: boolean; postmortemPresenter?: PostmortemPresenter; db?: Db; postmortemClock?: Clock; requests?: RequestCountsPort; clock?: Clock; jiraTimelineEveryMs?: number } = {}): Promise<SyncHarness> {
  const db = o.db ?? (await openDb({ dataDir: "memory" }));
  const store = createStore(db);
  const slack = new PeopleSlack();
  const outbox = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 0 });
  // Incident events reach the syncs the product's way: durable rows, handled under a lease.
  const relay = new IncidentEventRelay({ store, logger: silentLogger, pollMs: 50, retryBaseMs: 30, retryMaxMs: 200 });
  const incidents = new IncidentService({ clock: systemClock, durable: relay, store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", outbox, threadFlushMs: 0 });
  let sync: SyncService | undefined;
  const intake = new WebhookIntake({ clock: systemClock, sources: [jiraSource, pagerdutySource], store, logger: silentLogger, secrets: { pagerdutySecret: [PAGERDUTY_SANDBOX.webhookSecret] }, handlers: { ingest: (d) => incidents.ingest(d), external: (events, source) => sync!.handleExternal(events, source) } });
  const bot: Served = await serveRouter(webhookRoutes(intake));
  const jiraSandbox = createJiraSandbox({ webhookUrl: `${bot.url}/webhooks/jira`, webhookRetryDelaysMs: [50, 100], ...o.jira });
  const pdSandbox = createPagerDutySandbox({ webhookUrl: `${bot.url}/webhooks/pagerduty`, webhookRetryDelaysMs: [50, 100], eventsPerMinute: 10_000 });
  const sandbox = await serveRouter(new Router().include(jiraSandbox.router).include(pdSandbox.router));
  const settings = syncSettings(o.file ?? {}, { project: "OPS", issueType: "Incident" });
  const jira = counting<JiraPort>(createJiraClientAdapter(jiraAdapterOptions({ mode: "sandbox", project: "OPS", issueType: "Incident" }, sandbox.url, settings.jira.mapping)));
  const pd = counting<PagerDutyPort>(createPdjsAdapter(pagerDutyAdapterOptions({ mode: "sandbox" }, sandbox.url)));
  const kb: KbEntry[] = [];
  sync = new SyncService({
    clock: o.clock ?? o.postmortemClock ?? systemClock,
    store,
    incidents,
    outbox,
    slack,
    logger: silentLogger,
    settings,
    defaultChannel: "#incidents",
    jiraPort: jira.port,
    pagerDutyPort: pd.port,
    knowledge: {
      put: async (e) => {
        const i = kb.findIndex((x) => x.id === e.id);
        if (i >= 0) kb[i] = e;
        else kb.push(e);
      },
    },
    narrator: o.narrator,
    jiraSchedule: JIRA_SCHEDULE,
    retry: { baseMs: 20, maxMs: 200 },
    pollMs: 50,
    timelineDebounceMs: 30,
    // Unpaced unless a test asks (the pacing's own test uses a fake clock).
    jiraTimelineEveryMs: o.jiraTimelineEveryMs ?? 0,
    presenter: blockKitSyncPresenter,
    postmortemPresenter: o.postmortemPresenter,
    relay,
    ...(o.requests ? { requests: o.requests } : {}),
  });
  sync.start();
  relay.start();
  outbox.start();
  let seq = 0;

  const h: SyncHarness = {
    db,
    relay,
    store,
    slack,
    incidents,
    sync,
    jiraSandbox,
    pdSandbox,
    jiraCalls: jira.calls,
    pdCalls: pd.calls,
    sandboxUrl: sandbox.url,
    kb,
    async open(x = {}) {
      seq++;
      // A service of its own by default, so incidents of different tests never group together.
      x = { ...x, service: x.service ?? `svc${seq}` };
      const alert: Alert = {
        fingerprint: `fp-${seq}-${Date.now()}`,
        source: "alertmanager",
        name: x.name ?? "HighErrorRate",
        status: "firing",
        severity: x.severity ?? "sev2",
        service: x.service ?? "checkout",
        summary: `${x.name ?? "HighErrorRate"} on ${x.service ?? "checkout"}`,
        labels: { alertname: x.name ?? "HighErrorRate", service: x.service ?? "checkout", n: String(seq) },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
      };
      const r = await incidents.ingest({ alerts: [alert], changes: [] });
      if (!r.opened[0]) throw new Error(`the alert joined an open incident instead of opening one (service ${x.service})`);
      return (await store.incidents.get(r.opened[0]))!;
    },
    async settle() {
      for (let i = 0; i < 4; i++) {
        await sync!.idle();
        await Promise.all([jiraSandbox.idle(), pdSandbox.idle()]);
        await intake.drain();
        await sync!.idle();
        await incidents.tick();
        await outbox.idle(5_000);
      }
    },
    async thread(incidentId) {
      const root = await store.slackMessages.get(incidentId, "root");
      if (!root) return [];
      return [...slack.messages.values()].filter((m) => m.thread_ts === root.ts).map((m) => `${m.text} ${JSON.stringify(m.blocks)}`);
    },
    act: (system, body) => fetch(`${sandbox.url}/${system}/sandbox/act`, { method: "POST", body: JSON.stringify(body) }),
    async close() {
      // Every part is closed, even after one failed (a killed replica's parts fail to stop cleanly); the first failure is thrown.
      const steps = [() => relay.stop(), () => sync!.stop(), () => outbox.stop(), async () => jiraSandbox.stop?.(), async () => pdSandbox.stop?.(), () => sandbox.close(), () => bot.close(), () => db.close()];
      const failed: unknown[] = [];
      for (const step of steps) await step().catch((e: unknown) => failed.push(e));
      if (failed.length) throw failed[0];
    },
  };
  return h;
}
