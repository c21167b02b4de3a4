import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { flushCompileCache } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import { systemClock, type Clock } from "../domain/clock.ts";
import { BodyTooLargeError, readBody, refuseTooLarge, sendJson } from "../http/router.ts";
import { getSource, receiveDelivery } from "../ingest/registry.ts";
import type { ParsedDelivery, SourceSecrets, WebhookSource } from "../ingest/types.ts";
import { JsonText } from "../store/rows.ts";
import { accepted, duplicate, keptHeaders, storeUnavailable, webhookTooLarge } from "./answers.ts";
import { BurstGauge, type BurstOptions } from "./burst.ts";
import { BurstLane } from "./burst-lane.ts";
import { DoorJournal } from "./door-journal.ts";
import type { PostgresDoorOpening, PostgresDoorSink } from "./door-postgres.ts";
import type { DoorEntry, FromDoor, ToDoor } from "./door-messages.ts";
import { Handover, type HandoverBatch } from "./handover.ts";
import { RecentKeys } from "./recent-keys.ts";
import type { StoredDeliveryBody } from "./types.ts";

/**
 * The webhook door's thread (a worker, see door-worker.ts): it owns the product's public port. A
 * `POST /webhooks/<source>` is read, checked (size, signature, shape), made durable and answered here
 * — never behind the main thread's work (processing, the sandbox) — and handed to the main thread.
 * Where it is made durable depends on the store (`sink`): with the embedded store, in the door journal
 * (on disk, synced), and the main thread moves it into the store and processes it; on Postgres, in the
 * deliveries table itself (group commit over the thread's own connections, see door-postgres.ts), and
 * the main thread only processes it. Everything
 * else, and every webhook the door does not answer itself (an unknown source, a refusal, the store
 * down, a body the journal must not take), goes to the main thread's server as it came, which answers
 * it as it always did.
 */

interface Door {
  sources: Map<string, WebhookSource>;
  secrets: SourceSecrets;
  /** The embedded store's sink (the Postgres one is `pgSink`, opened once the thread connects). */
  journal?: DoorJournal;
  /** Beside it, where a burst's deliveries are journaled and left (see burst.ts): read back by the main thread once it is over. */
  spill?: DoorJournal;
  burst?: BurstOptions;
  postgres: boolean;
  clock: Clock;
  maxUnmoved: number;
}

const port = parentPort!;
const { upstreamPort, listenPort, host } = workerData as { upstreamPort: number; listenPort: number; host: string };
/** Entries and counts, gathered: one message for the deliveries of a journal group (see Handover). */
const handover = new Handover<DoorEntry>((b) => port.postMessage({ t: "batch", entries: b.entries, counts: b.counts } satisfies FromDoor));
/** Any other message, after what is gathered. */
const post = (m: FromDoor) => {
  handover.flush();
  port.postMessage(m);
};
// Idle connections to the main thread's server are closed here first (its keep-alive timeout is longer,
// see handlers/app.ts), so a request is never sent on one it is closing.
const upstream = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 30_000 });

let door: Door | undefined;
/** On Postgres: the door's own connections, once open (until then the main thread stores what comes). */
let pgSink: PostgresDoorSink | undefined;
let connecting = false;
let stopping = false;
let up = true;
let offsetMs = 0;
const writing = new Map<string, Promise<number>>();
/** Kept across re-openings: made at the first "open", with the main thread's bound. */
let recent: RecentKeys | undefined;
/** Journaled deliveries handed over and not yet settled by the main thread (stored, or refused by the store). */
let unsettled = 0;
let room: { promise: Promise<void>; resolve(): void } | undefined;
/**
 * Arrivals, to tell a burst (see burst.ts): made at "open", with the main thread's options. A burst
 * is a load on this machine, so it is timed like the timers that end it, in elapsed time — not by
 * the intake's clock, which in the sandbox is the simulation's: it stands still between the
 * simulation's steps, and a steady 200 deliveries/s piled into one window and made a burst.
 */
let gauge = new BurstGauge();
/** Which of a burst's deliveries still go to processing at once: those that would open an incident (see BurstLane). */
const burstLane = new BurstLane();
/** In a burst, the counts the main thread is told of go at most this late, together (see Handover.linger). */
const BURST_COUNTS_LINGER_MS = 25;
/** Spilling: in a burst, and room in the spill journal. */
let bursting = false;
let calmTimer: NodeJS.Timeout | undefined;
/** A burst being ended (see endBurst): arrivals wait for it. */
let ending: Promise<void> | undefined;
/** Deliveries spilled and not yet in the store (the main thread says when: spillMoved). */
let spilled = 0;
/** Spill segments already reported to the main thread. */
const reported = new Set<number>();
/** Webhook requests this thread is answering (quiesce waits for them). */
let answering = 0;
let quiesced: (() => void) | undefined;

/**
 * A request passed to the main thread's server as it came (`body`: already read here). One sent on a
 * kept-alive connection that turned out closed is sent again on a new one when nothing of it was
 * streamed (no body, or a body read here).
 */
function forward(req: IncomingMessage, res: ServerResponse, body?: Buffer, retried = false): void {
  const replayable = body !== undefined || req.method === "GET" || req.method === "HEAD";
  const out = http.request({ agent: upstream, host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.statusMessage, r.rawHeaders);
    r.pipe(res);
  });
  out.on("error", () => {
    if (!res.headersSent && out.reusedSocket && replayable && !retried) return forward(req, res, body ?? Buffer.alloc(0), true);
    if (!res.headersSent) sendJson(res, 502, { error: "upstream_unavailable" });
    else res.destroy();
  });
  res.on("close", () => {
    if (!res.writableFinished) out.destroy();
  });
  if (body) out.end(body);
  else req.pipe(out);
}

let isoAt = Number.NaN;
let iso = "";

/** The clock's time as ISO 8601 (isoNow), made once per millisecond: deliveries arrive many to the millisecond in a storm. */
function receivedNow(clock: Clock): string {
  const now = clock.now();
  if (now !== isoAt) {
    isoAt = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}

async function waitForRoom(d: Door): Promise<void> {
  while (unsettled >= d.maxUnmoved) {
    if (!room) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      room = { promise, resolve };
    }
    await room.promise;
  }
}

/** Whether this delivery is to be spilled (journaled and left for after the burst): notes its arrival. */
function spillNow(d: Door): boolean {
  if (!d.burst) return false;
  const hot = gauge.arrive(performance.now());
  // On Postgres what a burst leaves is in the deliveries table: no spill journal to fill.
  const room = (max: number) => !d.spill || spilled < max;
  if (hot && !bursting && room(d.burst.maxSpilled / 2)) {
    bursting = true;
    handover.linger(BURST_COUNTS_LINGER_MS);
    post({ t: "burst", on: true });
    watchCalm(d);
  }
  return bursting && room(d.burst.maxSpilled);
}

function watchCalm(d: Door): void {
  clearTimeout(calmTimer);
  calmTimer = setTimeout(
    () => {
      calmTimer = undefined;
      if (!bursting) return;
      if (gauge.inBurst(performance.now())) watchCalm(d);
      else void endBurst(d);
    },
    Math.max(1, gauge.calmAt() - performance.now()),
  );
}

/**
 * Ends a burst (it is over, the spill journal is full, or the door is quiescing): once the open spill
 * segment is sealed, the main thread hears which spill segments hold deliveries for it to read back,
 * then that the burst is over. Deliveries arriving meanwhile wait for it (`ending`), so each is handed
 * over after the files spilled before it.
 */
function endBurst(d: Door): Promise<void> {
  if (ending) return ending;
  if (!bursting) return Promise.resolve();
  const spill = d.spill;
  clearTimeout(calmTimer);
  calmTimer = undefined;
  ending = (async () => {
    try {
      await spill?.rotate();
    } finally {
      const files = spill?.sealedUnmoved().filter((f) => !reported.has(f.seq)) ?? [];
      for (const f of files) reported.add(f.seq);
      if (files.length > 0) post({ t: "spilled", files });
      post({ t: "burst", on: false });
      bursting = false;
      handover.linger(0);
      ending = undefined;
    }
  })();
  return ending;
}

async function answer(d: Door, source: WebhookSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req, source.maxBytes);
  } catch (e) {
    if (e instanceof BodyTooLargeError) return refuseTooLarge(req, res, webhookTooLarge(e.limit));
    return; // the sender went away
  }
  // The main thread answers what the door does not: the store down (503), a NUL character (the store's
  // own answer); on Postgres, what comes while the door's own connections are not open or down (it stores it itself).
  if (!up || body.includes(0) || (d.postgres && !pgSink?.up())) return forward(req, res, body);
  const receivedAt = receivedNow(d.clock);
  let parsed: ParsedDelivery;
  try {
    parsed = await receiveDelivery(source, { headers: req.headers, body, receivedAt }, d.secrets);
  } catch {
    // Refused (401, 400, …): the main thread checks it again and answers, logs and counts it as it always did.
    return forward(req, res, body);
  }
  if (d.postgres && pgSink) return store(d, pgSink, source, parsed, { headers: keptHeaders(req.headers), body: body.toString("utf8"), receivedAt }, res);
  const journal = d.journal!;
  const key = `${source.name}\n${parsed.deliveryId}`;
  const first = writing.get(key);
  if (first) {
    // The same delivery, concurrently: a duplicate once the first is on disk (its failure if it failed).
    const failed = await first.then(
      () => false,
      () => true,
    );
    if (failed) return forward(req, res, body);
    return answerDuplicate(res, source, parsed);
  }
  if (recent?.has(key)) return answerDuplicate(res, source, parsed);
  if (ending) await ending;
  if (d.burst && bursting && spilled >= d.burst.maxSpilled) await endBurst(d);
  // In a burst, left in the spill journal, unless it would open an incident (see BurstLane).
  const inBurst = spillNow(d);
  const goesNow = burstLane.goesNow(parsed, inBurst, performance.now());
  const spill = inBurst && !goesNow ? d.spill : undefined;
  if (!spill) await waitForRoom(d);
  const stored: StoredDeliveryBody = { headers: keptHeaders(req.headers), body: body.toString("utf8"), receivedAt };
  const text = JsonText.of(stored);
  const written = (spill ?? journal).append({ source: source.name, deliveryId: parsed.deliveryId, body: text });
  writing.set(key, written);
  let seq: number;
  try {
    seq = await written;
  } catch (e) {
    handover.count(source.name, "store_unavailable");
    post({ t: "log", level: "error", msg: "webhook not journaled; answered 503", data: { error: e instanceof Error ? e.message : String(e), source: source.name, deliveryId: parsed.deliveryId } });
    return reply(res, storeUnavailable(e instanceof Error ? e.message : String(e)));
  } finally {
    writing.delete(key);
  }
  recent?.add(key);
  if (spill) {
    // Left in the spill journal: counted (with the burst's other counts, see Handover.linger),
    // answered; the main thread reads it back after the burst.
    spilled++;
    handover.count(source.name, "accepted");
    return reply(res, accepted(parsed));
  }
  unsettled++;
  // Handed over before the answer (with the others of its group): the main thread hears of every delivery this door acknowledged.
  handover.entry({ source: source.name, deliveryId: parsed.deliveryId, body: text.text, parsed, seq }, (posted) => (posted ? reply(res, accepted(parsed)) : sendJson(res, 500, { error: "internal" })));
}

/** A redelivery: counted (before the answer, with what is gathered), answered 200. */
function answerDuplicate(res: ServerResponse, source: WebhookSource, parsed: ParsedDelivery): void {
  handover.count(source.name, "duplicate");
  handover.answer(() => reply(res, duplicate(parsed.deliveryId)));
}

/**
 * On Postgres: stored with the group it arrives in, leased to the main thread's processing, and
 * answered once committed; the group's new deliveries were handed over (`stored`) before. A
 * redelivery (the delivery's unique key) is a duplicate; another replica recovers what this one
 * stored if it dies.
 */
async function store(d: Door, sink: PostgresDoorSink, source: WebhookSource, parsed: ParsedDelivery, body: StoredDeliveryBody, res: ServerResponse): Promise<void> {
  if (ending) await ending;
  // In a burst the group is stored unleased and not handed over (see PostgresDoorSink): no room to
  // wait for; but one that would open an incident is stored leased and handed over (see BurstLane).
  const inBurst = spillNow(d);
  const urgent = burstLane.goesNow(parsed, inBurst, performance.now());
  if (!inBurst || urgent) await waitForRoom(d);
  let fresh: boolean;
  try {
    fresh = await sink.record({ source: source.name, deliveryId: parsed.deliveryId, parsed, body: JsonText.of(body) }, urgent);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    handover.count(source.name, "store_unavailable");
    post({ t: "log", level: "error", msg: "webhook not stored; answered 503", data: { error, source: source.name, deliveryId: parsed.deliveryId } });
    return reply(res, storeUnavailable(error));
  }
  if (!fresh) return answerDuplicate(res, source, parsed);
  reply(res, accepted(parsed));
}

/** The door thread's Postgres sink, connecting again after a failure until the door stops. */
function connect(o: PostgresDoorOpening): void {
  connecting = true;
  const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const log = (level: "warn" | "error") => (data: Record<string, unknown>, msg: string) => post({ t: "log", level, msg, data: { ...data, err: data.err === undefined ? undefined : errorText(data.err) } });
  void import("./door-postgres.ts")
    .then(({ PostgresDoorSink }) =>
      PostgresDoorSink.open({
        ...o,
        logger: { warn: log("warn"), error: log("error") },
        unleased: () => bursting,
        committed: (entries, leased) => {
          if (!leased) {
            // A burst's: stored unleased, not handed over (processing claims them after it), counted here.
            for (const e of entries) handover.count(e.source, "accepted");
            return;
          }
          unsettled += entries.length;
          post({ t: "stored", entries });
        },
      }),
    )
    .then(
      (sink) => {
        connecting = false;
        if (stopping) void sink.close();
        else pgSink = sink;
      },
      (e: unknown) => {
        post({ t: "log", level: "warn", msg: "the webhook door could not connect to the database; the main thread stores webhooks meanwhile", data: { error: errorText(e) } });
        if (stopping) connecting = false;
        else setTimeout(() => connect(o), 1000).unref();
      },
    );
}

function reply(res: ServerResponse, a: { status: number; body: unknown; headers?: Record<string, string> }): void {
  sendJson(res, a.status, a.body, a.headers);
}

const WEBHOOK = /^\/webhooks\/([^/?]+)\/?(?:\?|$)/;

function sourceOf(req: IncomingMessage): WebhookSource | undefined {
  if (!door || req.method !== "POST") return undefined;
  const m = WEBHOOK.exec(req.url ?? "");
  if (!m) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  return door.sources.get(name);
}

const server = http.createServer((req, res) => {
  const source = sourceOf(req);
  if (!source || !door) return forward(req, res);
  handover.count("", "http");
  answering++;
  answer(door, source, req, res)
    .catch((e: unknown) => {
      post({ t: "log", level: "error", msg: "webhook door failed", data: { error: e instanceof Error ? e.message : String(e) } });
      if (!res.headersSent) sendJson(res, 500, { error: "internal" });
    })
    .finally(() => {
      answering--;
      if (answering === 0) quiesced?.();
    });
});
server.keepAliveTimeout = 65_000;

port.on("message", (m: ToDoor) => {
  switch (m.t) {
    case "open": {
      const sources = new Map<string, WebhookSource>();
      for (const name of m.sources) {
        const s = getSource(name);
        if (s) sources.set(name, s);
      }
      const clock: Clock = { ...systemClock, now: () => systemClock.now() + offsetMs };
      offsetMs = m.clockOffsetMs;
      const { sink } = m;
      const journalOptions = sink.kind === "journal" ? { segmentBytes: sink.segmentBytes, segmentMs: sink.segmentMs, maxGroup: sink.maxGroup } : undefined;
      const journal = sink.kind === "journal" ? new DoorJournal(sink.dir, journalOptions) : undefined;
      const spill = sink.kind === "journal" ? new DoorJournal(sink.dir, { ...journalOptions, role: "spill" }) : undefined;
      if (sink.kind === "postgres" && !pgSink && !connecting) connect(sink);
      if (m.burst) gauge = new BurstGauge(m.burst);
      door = { sources, secrets: m.secrets, journal, spill, burst: m.burst, postgres: sink.kind === "postgres", clock, maxUnmoved: m.maxUnmoved };
      recent ??= new RecentKeys(m.recentKeys);
      break;
    }
    case "shut":
      // Draining: the main thread answers (503 shutting down); the journal stays for what is being written.
      if (door) door = { ...door, sources: new Map() };
      break;
    case "health":
      up = m.up;
      break;
    case "clock":
      offsetMs = m.offsetMs;
      break;
    case "moved":
      void door?.journal?.moved(m.seq, m.n).catch((e: unknown) => post({ t: "log", level: "warn", msg: "could not remove a door journal file", data: { error: e instanceof Error ? e.message : String(e) } }));
      break;
    case "spillMoved":
      spilled -= m.n;
      void door?.spill?.moved(m.seq, m.n).catch((e: unknown) => post({ t: "log", level: "warn", msg: "could not remove a door spill file", data: { error: e instanceof Error ? e.message : String(e) } }));
      break;
    case "settled":
      unsettled -= m.n;
      if (room && unsettled < (door?.maxUnmoved ?? 0)) {
        room.resolve();
        room = undefined;
      }
      break;
    case "quiesce":
      if (door) door = { ...door, sources: new Map() };
      server.close();
      server.closeIdleConnections();
      void (async () => {
        if (answering > 0) await new Promise<void>((r) => (quiesced = r));
        await door?.journal?.settled();
        // What a burst spilled is read back by the main thread as it drains.
        if (door) await endBurst(door);
        post({ t: "quiet" });
      })();
      break;
    case "stop":
      stopping = true;
      server.closeAllConnections();
      upstream.destroy();
      void (async () => {
        await door?.journal?.close().catch(() => undefined);
        await door?.spill?.close().catch(() => undefined);
        await pgSink?.close().catch(() => undefined);
        post({ t: "stopped" });
        port.close();
      })();
      break;
  }
});

server.listen(listenPort, host, () => {
  post({ t: "listening", port: (server.address() as { port: number }).port });
  // This thread's modules are loaded: their compile cache is written and its memory released (see handlers/main.ts).
  flushCompileCache();
});
