import { openDb } from "../src/store/open.ts";
import { adminQuery, createScratchDatabase, dropScratchDatabase } from "../test/support/scratch-databases.ts";
import { duplicates, readyWithin, sleep, startReplica, startSharedSandbox, stop, Storm, unprocessed, until, type ChaosRow } from "./harness.ts";
import { itemAt } from "../src/domain/indexed.ts";

/** How long and how hard each case pushes: the full run uses the issue's figures, CI shorter ones. */
export interface Scale {
  stormSeconds: number;
  perSecond: number;
  /** How long the database refuses connections. */
  dbOutageSeconds: number;
  /** How long Slack fails. */
  slackOutageSeconds: number;
  backlog: number;
}

export const FULL: Scale = { stormSeconds: 20, perSecond: 40, dbOutageSeconds: 15, slackOutageSeconds: 30, backlog: 10_000 };
export const SHORT: Scale = { stormSeconds: 6, perSecond: 15, dbOutageSeconds: 4, slackOutageSeconds: 5, backlog: 500 };

type Admin = string; // TEST_DATABASE_URL: a database of the server on which scratch databases are made

async function scratch(admin: Admin): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const db = await createScratchDatabase(admin);
  return { ...db, drop: () => dropScratchDatabase(admin, db.name) };
}

async function countIncidents(q: (sql: string) => Promise<Array<Record<string, unknown>>>): Promise<number> {
  return Number(itemAt(await q("SELECT count(*)::int AS n FROM incidents"), 0).n);
}

/** Waits until the bot has posted everything it queued (the outbox is empty) and nothing is pending. */
async function settle(query: (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>, accepted: Set<string>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await until(
    async () => {
      const lost = await unprocessed((s, p) => query(s, p), accepted);
      const { n } = itemAt(await query("SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL"), 0);
      return lost === 0 && Number(n) === 0 ? true : undefined;
    },
    "everything processed and posted",
    timeoutMs,
  ).catch(() => undefined);
  return (Date.now() - started) / 1000;
}

/**
 * What made deliveries fail and be retried (or parked), by error, on stderr: the evidence for a
 * case that loses something (a delivery is lost to the report when it is parked or still pending).
 */
async function reportRetried(query: (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>, name: string): Promise<void> {
  const rows = await query("SELECT attempts, parked_at IS NOT NULL AS parked, processed_at IS NOT NULL AS processed, left(coalesce(error, ''), 160) AS error, count(*)::int AS n FROM webhook_deliveries WHERE attempts > 1 OR error IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY n DESC LIMIT 20");
  const lines = rows.map((r) => `  ${r.n} × ${r.attempts} attempts, ${r.parked ? "parked" : r.processed ? "processed" : "pending"}: ${r.error || "(no error kept)"}`);
  process.stderr.write(`${name}: deliveries taken more than once: ${rows.reduce((t, r) => t + Number(r.n), 0)}\n${lines.join("\n")}${lines.length ? "\n" : ""}`);
}

/** kill -9 of the only replica in the middle of a storm, then a restart on the same data. */
export async function killMidStorm(kind: "pglite" | "postgres", scale: Scale, admin?: Admin): Promise<ChaosRow> {
  const sandbox = await startSharedSandbox();
  const db = kind === "postgres" ? await scratch(admin!) : undefined;
  try {
    let replica = await startReplica({ sandboxUrl: sandbox.url, databaseUrl: db?.url });
    let alive = true;
    const storm = new Storm(`kill-${kind}`);
    const running = storm.run(() => (alive ? [replica.url] : []), scale.perSecond, scale.stormSeconds);
    await sleep((scale.stormSeconds * 1000) / 3);
    replica.child.kill("SIGKILL");
    await replica.exited;
    alive = false;
    const restartAt = Date.now();
    replica = await startReplica({ ...replica.spec });
    alive = true;
    const readySeconds = (Date.now() - restartAt) / 1000;
    await running;
    let lost: number;
    let incidents: number;
    let drainSeconds: number;
    if (db) {
      const q = (sql: string, p: unknown[] = []) => adminQuery(db.url, sql, p);
      drainSeconds = await settle(q, storm.accepted, 120_000);
      lost = await unprocessed(q, storm.accepted);
      incidents = await countIncidents((s) => q(s));
      const dup = await duplicates(sandbox, incidents);
      await stop(replica);
      return { fault: `kill -9 mid-storm (${kind})`, accepted: storm.accepted.size, refused: storm.refused, lost, duplicated: dup.slack + dup.jira + dup.pages, recoverSeconds: readySeconds, recovery: `ready after restart; drained ${drainSeconds.toFixed(1)} s after the storm` };
    }
    // PGlite belongs to one process: let the replica finish (its outbox too), stop it, then read its folder.
    // The pending gauge reads 0 until its first refresh, and processing after a restart waits for the
    // first topology (warm): a replica stopped on that 0 may not have processed what it took over yet
    // (stored, so not lost: the next start processes it). While the folder holds accepted deliveries
    // unprocessed, the replica is started again and given time (bounded); what is left then is lost.
    const deadline = Date.now() + 180_000;
    for (;;) {
      await until(
        async () => {
          const m = await (await fetch(`${replica.url}/metrics`)).text();
          return /^aisre_webhook_deliveries_pending 0$/m.test(m) ? true : undefined;
        },
        "pending deliveries drained",
        120_000,
      ).catch(() => undefined);
      await sleep(3000);
      await stop(replica);
      const store = await openDb({ dataDir: replica.spec.dataDir });
      try {
        const q = async (sql: string, p: unknown[] = []) => store.query<Record<string, unknown>>(sql, p);
        lost = await unprocessed(q, storm.accepted);
        incidents = await countIncidents((s) => q(s));
      } finally {
        await store.close();
      }
      if (lost === 0 || Date.now() > deadline) break;
      process.stderr.write(`kill-pglite: ${lost} accepted deliveries not processed yet when the replica stopped; starting it again to let it finish\n`);
      replica = await startReplica({ ...replica.spec });
      await sleep(15_000);
    }
    const dup = await duplicates(sandbox, incidents);
    return { fault: "kill -9 mid-storm (pglite)", accepted: storm.accepted.size, refused: storm.refused, lost, duplicated: dup.slack + dup.jira + dup.pages, recoverSeconds: readySeconds, recovery: "ready after restart" };
  } finally {
    await stop(sandbox);
    await db?.drop();
  }
}

/** The database refuses connections (ALLOW_CONNECTIONS false, backends terminated) during a storm. */
export async function databaseRefuses(scale: Scale, admin: Admin): Promise<ChaosRow> {
  const sandbox = await startSharedSandbox();
  const db = await scratch(admin);
  try {
    const replica = await startReplica({ sandboxUrl: sandbox.url, databaseUrl: db.url });
    const storm = new Storm("db-refuses");
    const running = storm.run(() => [replica.url], scale.perSecond, Math.max(scale.stormSeconds, scale.dbOutageSeconds + 4));
    await sleep(2000);
    await adminQuery(admin, `ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS false`);
    await adminQuery(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [db.name]);
    await sleep(scale.dbOutageSeconds * 1000);
    await adminQuery(admin, `ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
    const readySeconds = await readyWithin(replica.url, 60_000);
    await running;
    const q = (sql: string, p: unknown[] = []) => adminQuery(db.url, sql, p);
    await settle(q, storm.accepted, 120_000);
    const lost = await unprocessed(q, storm.accepted);
    const dup = await duplicates(sandbox, await countIncidents((s) => q(s)));
    const survived = replica.child.exitCode === null;
    await stop(replica);
    return { fault: `database refuses connections ${scale.dbOutageSeconds} s`, accepted: storm.accepted.size, refused: storm.refused, lost, duplicated: dup.slack + dup.jira + dup.pages, recoverSeconds: readySeconds, recovery: survived ? "ready after the database returns (no restart)" : "PROCESS DIED" };
  } finally {
    await adminQuery(admin, `ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
    await stop(sandbox);
    await db.drop();
  }
}

/** Slack fails (5xx, 429 or lost responses) while a storm opens incidents. */
export async function slackOutage(mode: "5xx" | "429" | "drop-response" | "timeout", scale: Scale, admin: Admin): Promise<ChaosRow> {
  const sandbox = await startSharedSandbox();
  const db = await scratch(admin);
  try {
    const replica = await startReplica({ sandboxUrl: sandbox.url, databaseUrl: db.url });
    await fetch(`${sandbox.url}/sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ target: "slack", mode, seconds: scale.slackOutageSeconds }) });
    const faultEnds = Date.now() + scale.slackOutageSeconds * 1000;
    const storm = new Storm(`slack-${mode}`);
    await storm.run(() => [replica.url], scale.perSecond, Math.min(scale.stormSeconds, scale.slackOutageSeconds));
    const q = (sql: string, p: unknown[] = []) => adminQuery(db.url, sql, p);
    await sleep(Math.max(0, faultEnds - Date.now()));
    const recovered = Date.now();
    const backlog = await q("SELECT method, channel, count(*)::int AS n FROM outbox WHERE sent_at IS NULL GROUP BY 1, 2 ORDER BY 3 DESC");
    process.stderr.write(`slack-${mode}: the Slack backlog when Slack recovered: ${backlog.map((r) => `${r.n} × ${r.method} in ${r.channel}`).join(", ") || "none"}\n`);
    await until(async () => (Number(itemAt(await q("SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL"), 0).n) === 0 ? true : undefined), "the Slack backlog drained", 120_000).catch(() => undefined);
    const drainSeconds = (Date.now() - recovered) / 1000;
    await settle(q, storm.accepted, 60_000);
    const lost = await unprocessed(q, storm.accepted);
    const { n: failed } = itemAt(await q("SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NOT NULL AND error IS NOT NULL"), 0);
    const { n: parked } = itemAt(await q("SELECT count(*)::int AS n FROM webhook_deliveries WHERE parked_at IS NOT NULL"), 0);
    const dup = await duplicates(sandbox, await countIncidents((s) => q(s)));
    await reportRetried(q, `slack-${mode}`);
    if (storm.refused > 0) process.stderr.write(`slack-${mode}: deliveries refused: ${storm.refused}\n${storm.refusals()}\nthe replica's last log lines:\n${replica.output().split("\n").slice(-15).join("\n")}\n`);
    await stop(replica);
    const detail = lost + Number(failed) > 0 ? ` (${parked} deliveries parked, ${lost - Number(parked)} still pending at the deadline, ${failed} Slack calls given up)` : "";
    return { fault: `Slack ${mode} for ${scale.slackOutageSeconds} s`, accepted: storm.accepted.size, refused: storm.refused, lost: lost + Number(failed), duplicated: dup.slack + dup.jira + dup.pages, recoverSeconds: drainSeconds, recovery: `Slack backlog drained after Slack recovered${detail}` };
  } finally {
    await stop(sandbox);
    await db.drop();
  }
}

/** Three replicas on one Postgres behind the sandbox's gateway; one is killed mid-storm and not restarted. */
export async function threeReplicasOneKilled(scale: Scale, admin: Admin): Promise<ChaosRow> {
  const sandbox = await startSharedSandbox();
  const db = await scratch(admin);
  try {
    const replicas = [];
    for (let i = 0; i < 3; i++) replicas.push(await startReplica({ sandboxUrl: sandbox.url, databaseUrl: db.url }));
    const alive = new Set(replicas.map((r) => r.url));
    const storm = new Storm("replicas");
    const running = storm.run(() => [...alive], scale.perSecond, scale.stormSeconds);
    await sleep((scale.stormSeconds * 1000) / 2);
    itemAt(replicas, 0).child.kill("SIGKILL");
    alive.delete(itemAt(replicas, 0).url);
    const killedAt = Date.now();
    await running;
    const q = (sql: string, p: unknown[] = []) => adminQuery(db.url, sql, p);
    await until(async () => ((await unprocessed(q, storm.accepted)) === 0 ? true : undefined), "the dead replica's deliveries taken over", 120_000).catch(() => undefined);
    const recoverSeconds = (Date.now() - killedAt) / 1000;
    await settle(q, storm.accepted, 60_000);
    const lost = await unprocessed(q, storm.accepted);
    const dup = await duplicates(sandbox, await countIncidents((s) => q(s)));
    for (const r of replicas) await stop(r);
    return { fault: "3 replicas, one killed mid-storm", accepted: storm.accepted.size, refused: storm.refused, lost, duplicated: dup.slack + dup.jira + dup.pages, recoverSeconds, recovery: "every accepted delivery processed after the kill (lease expiry included)" };
  } finally {
    await stop(sandbox);
    await db.drop();
  }
}

/** A restart with a backlog of stored, unprocessed deliveries (the replica died after accepting them). */
export async function restartUnderBacklog(scale: Scale, admin: Admin): Promise<ChaosRow> {
  const sandbox = await startSharedSandbox();
  const db = await scratch(admin);
  try {
    // Schema first (a replica migrates), then the backlog as a dead replica left it.
    const first = await startReplica({ sandboxUrl: sandbox.url, databaseUrl: db.url });
    await stop(first);
    const tag = `backlog-${Date.now().toString(36)}`;
    await adminQuery(
      db.url,
      `INSERT INTO webhook_deliveries (source, delivery_id, body, attempts, lease_owner, lease_until)
       SELECT 'generic', $1 || '-' || i, jsonb_build_object('headers', jsonb_build_object('content-type', 'application/json'),
              'body', jsonb_build_object('alerts', jsonb_build_array(jsonb_build_object('id', $1 || '-' || i, 'name', 'ChaosBacklog', 'status', 'firing', 'severity', 'critical', 'service', (ARRAY['checkout','payments','inventory'])[1 + i % 3], 'summary', 'backlog ' || i)))::text,
              'receivedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
              1, 'replica-that-died', now() - interval '1 second'
         FROM generate_series(0, $2::int - 1) AS i`,
      [tag, scale.backlog],
    );
    const accepted = new Set(Array.from({ length: scale.backlog }, (_, i) => `${tag}-${i}`));
    const startedAt = Date.now();
    const replica = await startReplica({ ...first.spec });
    const q = (sql: string, p: unknown[] = []) => adminQuery(db.url, sql, p);
    await until(async () => ((await unprocessed(q, accepted)) === 0 ? true : undefined), "the backlog processed", 600_000).catch(() => undefined);
    const recoverSeconds = (Date.now() - startedAt) / 1000;
    await settle(q, accepted, 60_000);
    const lost = await unprocessed(q, accepted);
    const dup = await duplicates(sandbox, await countIncidents((s) => q(s)));
    await stop(replica);
    return { fault: `restart under a ${scale.backlog}-delivery backlog`, accepted: accepted.size, refused: 0, lost, duplicated: dup.slack + dup.jira + dup.pages, recoverSeconds, recovery: "backlog processed after the restart" };
  } finally {
    await stop(sandbox);
    await db.drop();
  }
}

/** What the root cards in the shared sandbox show: how many, and the alerts they count ("N firing / M total"), summed. */
async function cardsShown(sandbox: { url: string; botToken: string }): Promise<{ cards: number; alerts: number }> {
  const api = async (method: string, args: Record<string, string>) => {
    const res = await fetch(`${sandbox.url}/api/${method}`, { method: "POST", headers: { authorization: `Bearer ${sandbox.botToken}`, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(args) });
    return (await res.json()) as { messages?: Array<{ bot_id?: string; blocks?: unknown }>; channels?: Array<{ id: string }> };
  };
  let cards = 0;
  let alerts = 0;
  for (const ch of (await api("conversations.list", { limit: "999" })).channels ?? []) {
    for (const m of (await api("conversations.history", { channel: ch.id, limit: "999" })).messages ?? []) {
      const shown = /(\d+) firing \/ (\d+) total/.exec(JSON.stringify(m.blocks ?? ""));
      if (!m.bot_id || !shown) continue;
      cards++;
      alerts += Number(shown[2]);
    }
  }
  return { cards, alerts };
}

/** The renders still wanted, the calls not sent, and the replica's last words (a case that did not recover says why). */
async function whyNotRendered(url: string, output: string): Promise<string> {
  const renders = await adminQuery(url, "SELECT part, wanted, rendered, lease_owner, lease_until, not_before, rendered_at FROM incident_renders").catch((e: unknown) => String(e));
  const outbox = await adminQuery(url, "SELECT id, method, error, attempts, not_before, dedupe_key FROM outbox WHERE sent_at IS NULL").catch((e: unknown) => String(e));
  return `\nrenders: ${JSON.stringify(renders)}\nunsent: ${JSON.stringify(outbox)}\nreplica:\n${output.slice(-3000)}`;
}

/**
 * kill -9 between the commit and the render: a replica whose housekeeping never comes round
 * (AISRE_HOUSEKEEPING_MS of an hour) takes a storm, commits every alert (root cards posted with
 * their first alert, every later join stored with its card and digest wanted) and is killed; the
 * replica started in its place renders what was wanted. Lost: alerts no card counts at the end.
 */
export async function renderAfterKill(scale: Scale, admin?: Admin): Promise<ChaosRow> {
  const sandbox = await startSharedSandbox();
  const db = admin ? await scratch(admin) : undefined;
  const kind = db ? "postgres" : "pglite";
  try {
    const replica = await startReplica({ sandboxUrl: sandbox.url, databaseUrl: db?.url, env: { AISRE_HOUSEKEEPING_MS: "3600000" } });
    const storm = new Storm("render-kill");
    await storm.run(() => [replica.url], scale.perSecond, Math.min(scale.stormSeconds, 6));
    await until(async () => (/^aisre_webhook_deliveries_pending 0$/m.test(await (await fetch(`${replica.url}/metrics`)).text()) ? true : undefined), "every delivery processed", 120_000);
    // The root posts go out (the outbox is not housekeeping); the cards' edits would.
    await until(async () => ((await cardsShown(sandbox)).cards > 0 ? true : undefined), "the root cards posted", 60_000).catch(() => undefined);
    await sleep(2000);
    const before = await cardsShown(sandbox);
    replica.child.kill("SIGKILL");
    await replica.exited;
    const next = await startReplica({ ...replica.spec, env: {} });
    const readyAt = Date.now();
    await until(async () => ((await cardsShown(sandbox)).alerts >= storm.accepted.size ? true : undefined), "the cards caught up", 120_000).catch(() => undefined);
    const recoverSeconds = (Date.now() - readyAt) / 1000;
    const after = await cardsShown(sandbox);
    const dup = await duplicates(sandbox, after.cards);
    // When the cards did not catch up, what the store still wanted and the replica said: why.
    const stuck = after.alerts < storm.accepted.size && db ? await whyNotRendered(db.url, next.output()) : "";
    await stop(next);
    return {
      fault: `kill -9 between commit and render (${kind})`,
      accepted: storm.accepted.size,
      refused: storm.refused,
      lost: Math.max(0, storm.accepted.size - after.alerts),
      duplicated: dup.slack + dup.jira + dup.pages,
      recoverSeconds,
      recovery: `${after.cards} cards count ${after.alerts} alerts after the restart (${before.alerts} before the kill); seconds from ready${stuck}`,
    };
  } finally {
    await stop(sandbox);
    await db?.drop();
  }
}

/** A counter of the replica's /metrics (0 when absent). */
async function counter(replicaUrl: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${replicaUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((kv) => l.includes(kv)));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

/**
 * A storm over twelve unrelated services: as many incidents, each card changing with every alert,
 * faster than Slack's Tier 3 lets them be edited (chat.update, 50 a minute per workspace, every
 * channel together; the sandbox answers 429 + Retry-After over it). The outbox's edit budget paces
 * the edits, a card changed while its edit waits has that edit replaced, and every card ends at its
 * latest state. Recovery: from the storm's end until every card shows all its alerts (the
 * digests' edits may still be on their way: the row says when nothing was left to send).
 */
export async function cardStorm(scale: Scale, admin: Admin): Promise<ChaosRow> {
  const sandbox = await startSharedSandbox();
  const db = await scratch(admin);
  try {
    const replica = await startReplica({ sandboxUrl: sandbox.url, databaseUrl: db.url });
    const storm = new Storm(
      "card-storm",
      Array.from({ length: 12 }, (_, i) => `cardstorm-${i + 1}`),
    );
    const started = Date.now();
    await storm.run(() => [replica.url], Math.min(scale.perSecond, 12), scale.stormSeconds);
    const stormEnded = Date.now();
    const q = (sql: string, p: unknown[] = []) => adminQuery(db.url, sql, p);
    // The root cards first (their edits go before the digests' when the budget is short), then the rest.
    await until(async () => ((await cardsShown(sandbox)).alerts >= storm.accepted.size ? true : undefined), "every card at its latest state", 300_000).catch(() => undefined);
    const recoverSeconds = (Date.now() - stormEnded) / 1000;
    await until(async () => (Number(itemAt(await q("SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL"), 0).n) === 0 ? true : undefined), "nothing left to send", 300_000).catch(() => undefined);
    const drainedSeconds = (Date.now() - stormEnded) / 1000;
    const minutes = (Date.now() - started) / 60_000;
    const after = await cardsShown(sandbox);
    const edits = await counter(replica.url, "aisre_slack_calls_total", 'method="chat.update",outcome="ok"');
    const limited = await counter(replica.url, "aisre_slack_calls_total", 'method="chat.update",outcome="ratelimited"');
    const incidents = await countIncidents((s) => q(s));
    const dup = await duplicates(sandbox, incidents);
    await stop(replica);
    return {
      fault: `card storm: ${incidents} incidents' cards changing faster than Slack's Tier 3`,
      accepted: storm.accepted.size,
      refused: storm.refused,
      lost: Math.max(0, storm.accepted.size - after.alerts),
      duplicated: dup.slack + dup.jira + dup.pages,
      recoverSeconds,
      recovery: `${after.cards} cards at their latest state (${after.alerts} alerts shown; seconds from the storm's end), everything sent after ${drainedSeconds.toFixed(1)} s; ${edits} edits in ${minutes.toFixed(1)} min (${(edits / minutes).toFixed(0)}/min), ${limited} answered 429`,
    };
  } finally {
    await stop(sandbox);
    await db.drop();
  }
}

export function formatTable(rows: ChaosRow[]): string {
  const head = ["fault", "accepted", "refused", "lost", "duplicated", "s to recover", "recovery is"];
  const lines = rows.map((r) => [r.fault, String(r.accepted), String(r.refused), String(r.lost), String(r.duplicated), r.recoverSeconds.toFixed(1), r.recovery]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => itemAt(l, i).length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(itemAt(widths, i))).join(" | ")} |`;
  return [fmt(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(fmt)].join("\n");
}
