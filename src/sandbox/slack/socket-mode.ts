import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../../log.ts";
import type { DeliveryResult } from "./delivery.ts";
import { randomHex } from "./ids.ts";
import { acceptWebSocket, type WsConnection } from "./websocket.ts";

/** Slack allows up to 10 Socket Mode connections per app. */
export const MAX_CONNECTIONS = 10;
/** A ticket from apps.connections.open is good once, for a short while. */
const TICKET_TTL_MS = 30_000;
const PING_EVERY_MS = 10_000;
export const SOCKET_PATH = "/socket-mode/link";

type EnvelopeType = "events_api" | "slash_commands" | "interactive";

/** Why Slack asks the app to let a connection go (the `disconnect` message's `reason`). */
export const DISCONNECT_REASONS = ["warning", "refresh_requested", "link_disabled"] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];
/** After `warning`, Slack closes the connection about 10 seconds later; after `refresh_requested`, at once (a short grace here). */
const CLOSE_AFTER_MS: Record<DisconnectReason, number> = { warning: 10_000, refresh_requested: 1_000, link_disabled: 0 };
/**
 * How long, after asking for a refresh, a delivery that finds no open connection waits for the
 * app's new one (Bolt reconnects about 5 s after it lets the old one go).
 */
export const REFRESH_WINDOW_MS = 15_000;

/**
 * Socket Mode as Slack runs it: `apps.connections.open` (with the app-level `xapp-` token) hands out
 * a one-time WebSocket URL; on connect Slack sends `hello`, then each event, slash command and
 * interaction as an envelope (`envelope_id`, `type`, `payload`, `accepts_response_payload`,
 * `retry_attempt`, `retry_reason`) that the app must acknowledge with `{"envelope_id", "payload"?}`
 * within 3 seconds. Deliveries go round-robin over the open connections; the ack's payload is the
 * app's answer (a command's message, a view submission's `response_action`).
 */
export class SocketModeHub {
  readonly appToken: string;
  private readonly appId: string;
  private readonly logger?: Logger;
  private readonly tickets = new Map<string, number>();
  private readonly connections: WsConnection[] = [];
  private readonly pending = new Map<string, (payload: unknown) => void>();
  private readonly timer: NodeJS.Timeout;
  private next = 0;
  /** Connections told to go (a `disconnect` was sent): no new deliveries while another is open. */
  private readonly draining = new WeakSet<WsConnection>();
  private refreshUntil = 0;
  private readonly waiters = new Set<() => void>();
  /** Envelopes sent, by type (what the tests and the page read). */
  readonly sent: Array<{ type: EnvelopeType; envelopeId: string; acked: boolean }> = [];
  /** Connections that got `hello` since the start (a reconnect adds one). */
  hellos = 0;
  /** `disconnect` messages sent, with their reasons. */
  readonly disconnects: Array<{ reason: DisconnectReason; at: number }> = [];

  constructor(options: { appToken: string; appId: string; logger?: Logger }) {
    this.appToken = options.appToken;
    this.appId = options.appId;
    this.logger = options.logger;
    this.timer = setInterval(() => {
      for (const c of this.connections) c.ping();
    }, PING_EVERY_MS);
    this.timer.unref();
  }

  get connected(): boolean {
    return this.connections.length > 0;
  }

  /** Open connections now. */
  get connectionCount(): number {
    return this.connections.length;
  }

  /**
   * Slack's `disconnect` message on every open connection: `warning` (the connection closes in
   * about 10 s), `refresh_requested` (reconnect now) or `link_disabled` (Socket Mode was turned off
   * for the app). The connection is closed after that grace if the app has not closed it; until
   * then it still delivers when it is the only one. Answers how many connections were told.
   */
  disconnect(reason: DisconnectReason, closeAfterMs = CLOSE_AFTER_MS[reason]): number {
    const live = this.connections.filter((c) => c.open && !this.draining.has(c));
    for (const ws of live) {
      this.draining.add(ws);
      ws.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-sandbox" } }));
      const t = setTimeout(() => ws.close(1000, reason), closeAfterMs);
      t.unref();
    }
    if (live.length) this.disconnects.push({ reason, at: Date.now() });
    if (reason !== "link_disabled") this.refreshUntil = Date.now() + REFRESH_WINDOW_MS;
    return live.length;
  }

  /** An open connection to deliver on: round-robin over those not told to go, else one that was. */
  private pick(): WsConnection | undefined {
    const fresh = this.connections.filter((c) => c.open && !this.draining.has(c));
    const pool = fresh.length ? fresh : this.connections.filter((c) => c.open);
    return pool[this.next++ % Math.max(1, pool.length)];
  }

  /** During a refresh the app has none open for a moment: wait (bounded) for its new connection. */
  private async connection(): Promise<WsConnection | undefined> {
    let ws = this.pick();
    while (!ws && Date.now() < this.refreshUntil) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, Math.max(1, this.refreshUntil - Date.now()));
        this.waiters.add(done);
      });
      ws = this.pick();
    }
    return ws;
  }

  /** apps.connections.open: a fresh single-use URL. */
  open(baseUrl: string): string {
    const ticket = randomHex(16);
    this.tickets.set(ticket, Date.now() + TICKET_TTL_MS);
    return `${baseUrl.replace(/^http/, "ws")}${SOCKET_PATH}?ticket=${ticket}&app_id=${this.appId}`;
  }

  /** The HTTP upgrade for SOCKET_PATH; false when the request is not for Socket Mode. */
  upgrade(req: IncomingMessage, socket: Duplex): boolean {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== SOCKET_PATH) return false;
    const ticket = url.searchParams.get("ticket") ?? "";
    const expires = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!expires || expires < Date.now() || this.connections.length >= MAX_CONNECTIONS) {
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return true;
    }
    const ws = acceptWebSocket(req, socket);
    if (!ws) return true;
    this.connections.push(ws);
    ws.onClose = () => {
      const i = this.connections.indexOf(ws);
      if (i >= 0) this.connections.splice(i, 1);
    };
    ws.onText = (text) => this.ack(text);
    this.hellos++;
    for (const wake of [...this.waiters]) wake();
    ws.send(JSON.stringify({ type: "hello", num_connections: this.connections.length, debug_info: { host: "applink-sandbox", build_number: 1, approximate_connection_time: 18060 }, connection_info: { app_id: this.appId } }));
    return true;
  }

  private ack(text: string): void {
    let msg: { envelope_id?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      this.logger?.warn({ text: text.slice(0, 200) }, "socket mode: the app sent something that is not JSON");
      return;
    }
    const id = typeof msg.envelope_id === "string" ? msg.envelope_id : "";
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    const record = this.sent.find((s) => s.envelopeId === id);
    if (record) record.acked = true;
    resolve(msg.payload);
  }

  /**
   * Sends what would have been an HTTP request to the request URL as an envelope; resolves like an
   * HTTP delivery (ok when acked within the timeout, the ack's payload as the JSON body).
   */
  async deliver(contentType: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<DeliveryResult> {
    const started = Date.now();
    const ws = await this.connection();
    if (!ws) return { ok: false, body: "", contentType: "", reason: "connection_failed", noRetry: false, ms: 0 };
    const { type, payload } = envelopeOf(contentType, body);
    const envelopeId = crypto.randomUUID();
    const retry = Number(headers["x-slack-retry-num"] ?? 0);
    const envelope = { envelope_id: envelopeId, payload, type, accepts_response_payload: type !== "events_api", retry_attempt: retry, retry_reason: headers["x-slack-retry-reason"] ?? "" };
    this.sent.push({ type, envelopeId, acked: false });
    if (this.sent.length > 500) this.sent.splice(0, this.sent.length - 500);
    const answer = new Promise<{ acked: boolean; payload?: unknown }>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        resolve({ acked: false });
      }, timeoutMs);
      this.pending.set(envelopeId, (p) => {
        clearTimeout(timer);
        resolve({ acked: true, payload: p });
      });
    });
    ws.send(JSON.stringify(envelope));
    const r = await answer;
    const ms = Date.now() - started;
    if (!r.acked) return { ok: false, body: "", contentType: "", reason: "http_timeout", noRetry: false, ms };
    const out = r.payload === undefined || r.payload === null || r.payload === "" ? "" : typeof r.payload === "string" ? r.payload : JSON.stringify(r.payload);
    return { ok: true, status: 200, body: out, contentType: out.startsWith("{") ? "application/json" : "text/plain", noRetry: false, ms };
  }

  close(): void {
    clearInterval(this.timer);
    this.refreshUntil = 0;
    for (const wake of [...this.waiters]) wake();
    for (const c of [...this.connections]) c.close(1001, "sandbox closing");
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
  }
}

/** The envelope type and payload of a request the HTTP transport would have sent. */
export function envelopeOf(contentType: string, body: string): { type: EnvelopeType; payload: unknown } {
  if (contentType.startsWith("application/json")) return { type: "events_api", payload: JSON.parse(body) as unknown };
  const fields = Object.fromEntries(new URLSearchParams(body));
  if (typeof fields.payload === "string") return { type: "interactive", payload: JSON.parse(fields.payload) as unknown };
  return { type: "slash_commands", payload: fields };
}
