import { DISCONNECT_REASONS, type DisconnectReason } from "./slack/socket-mode.ts";
import { SANDBOX_TEAMS } from "./slack/defaults.ts";
import type { ServerResponse } from "node:http";
import { Router, sendJson, type RouteRequest } from "../http/router.ts";
import type { SandboxPart, ScenarioControl } from "./part.ts";
import type { SlackSandbox } from "./slack/index.ts";
import { ActionError, type ActionOutcome } from "./slack/user-actions.ts";
import { apiUser, apiView, visibleMessage } from "./slack/message-shape.ts";
import type { Json, SandboxMessage, WorkspaceChange } from "./slack/types.ts";

type Obj = Record<string, unknown>;

function body(req: RouteRequest): Obj {
  const text = req.body.toString("utf8").trim();
  if (!text) return {};
  const type = String(req.headers["content-type"] ?? "");
  if (type.includes("x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Obj;
  } catch {
    /* fall through */
  }
  throw new ActionError(400, "invalid_json", "the body must be a JSON object");
}

function need(b: Obj, field: string): string {
  const v = b[field];
  if (typeof v !== "string" || !v) throw new ActionError(400, "invalid_arguments", `missing field "${field}"`);
  return v;
}

function fail(res: ServerResponse, e: unknown): void {
  if (e instanceof ActionError) return sendJson(res, e.status, { ok: false, error: e.code, detail: e.message });
  throw e;
}

/** Server push for the page: one `change` event per workspace change, with what it touched. */
class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;
  constructor() {
    this.timer = setInterval(() => this.write(": keepalive\n\n"), 15_000);
    this.timer.unref();
  }

  add(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write("retry: 1000\n\n");
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    for (const c of this.clients) c.write(chunk);
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}

function describeChange(c: WorkspaceChange): Json {
  switch (c.kind) {
    case "message_posted":
    case "message_changed":
    case "message_deleted":
    case "reaction":
      return { kind: c.kind, channel: c.message.channel, ts: c.message.ts, thread_ts: c.message.threadTs ?? null, visible_to: c.message.visibleTo ?? null };
    case "channel":
    case "member_joined":
      return { kind: c.kind, channel: c.channel.id };
    case "view":
      return { kind: "view", view_id: c.view.id, user: c.view.user, action: c.action };
    case "assistant_thread":
      return { kind: "assistant_thread", channel: c.thread.channel, thread_ts: c.thread.threadTs, user: c.thread.user };
  }
}

export interface ControlOptions {
  slack: SlackSandbox;
  parts: SandboxPart[];
  scenarios?: ScenarioControl;
}

export interface Control {
  router: Router;
  close(): void;
}

/**
 * The control API (BRIEF contract): act as a person (commands, messages, clicks, modal
 * submissions), read `/sandbox/state`, start and stop scenarios; plus what the page reads and its
 * server push (`/sandbox/events`).
 */
export function controlRoutes(options: ControlOptions): Control {
  const { slack, parts, scenarios } = options;
  const ws = slack.workspace;
  const urls = slack.core.urls;
  const stream = new EventStream();
  const unsubscribe = ws.subscribe((c) => stream.send("change", describeChange(c)));

  /** Runs a user action and answers with what the user saw as a result. */
  async function act(req: RouteRequest<"user">, res: ServerResponse, run: (user: string, b: Obj) => Promise<ActionOutcome & { message?: SandboxMessage }>): Promise<void> {
    try {
      const b = body(req);
      const user = slack.actions.person(req.params.user);
      const watch = slack.watch(user.id);
      let outcome: ActionOutcome & { message?: SandboxMessage };
      try {
        outcome = await run(user.id, b);
      } catch (e) {
        watch.cancel();
        throw e;
      }
      const seen = await watch.result();
      const out: Json = { ok: outcome.ok };
      if (outcome.error) out.error = outcome.error;
      if (outcome.errors) out.errors = outcome.errors;
      if (outcome.message) out.message = visibleMessage(ws, outcome.message, urls);
      out.messages = seen.messages;
      out.views = seen.views;
      sendJson(res, 200, out);
    } catch (e) {
      fail(res, e);
    }
  }

  const router = new Router()
    .add("POST", "/sandbox/users/:user/commands", (req, res) =>
      act(req, res, (user, b) => {
        const command = need(b, "command");
        const text = typeof b.text === "string" ? b.text : "";
        return slack.actions.command(user, need(b, "channel"), command, text, typeof b.thread_ts === "string" ? b.thread_ts : undefined);
      }),
    )
    .add("POST", "/sandbox/users/:user/messages", (req, res) =>
      act(req, res, async (user, b) => {
        const message = slack.actions.postMessage(user, need(b, "channel"), need(b, "text"), typeof b.thread_ts === "string" && b.thread_ts ? b.thread_ts : undefined);
        return { ok: true, message };
      }),
    )
    .add("POST", "/sandbox/users/:user/clicks", (req, res) => act(req, res, (user, b) => slack.actions.click(user, { channel: need(b, "channel"), ts: need(b, "ts"), action_id: need(b, "action_id"), block_id: typeof b.block_id === "string" ? b.block_id : undefined, value: b.value })))
    .add("POST", "/sandbox/users/:user/views/:view/submit", (req, res) => act(req, res, (user, b) => slack.actions.submitView(user, req.params.view, (b.values as Obj) ?? {})))
    .add("POST", "/sandbox/users/:user/views/:view/close", (req, res) => act(req, res, (user) => slack.actions.closeView(user, req.params.view)))
    .add("POST", "/sandbox/users/:user/views/:view/actions", (req, res) => act(req, res, (user, b) => slack.actions.viewAction(user, req.params.view, { action_id: need(b, "action_id"), block_id: typeof b.block_id === "string" ? b.block_id : undefined, value: b.value })))
    // Opens the person's Home tab: `app_home_opened`, then (once the app has published, or after 5 s) the view they see.
    .add("POST", "/sandbox/users/:user/home", async (req, res) => {
      try {
        const user = slack.actions.person(req.params.user);
        const watch = slack.watch(user.id);
        const delivered = await slack.events.appHomeOpened(user.id);
        if (!delivered) watch.cancel();
        else await watch.result();
        const home = ws.home(user.id);
        sendJson(res, 200, { ok: true, ...(delivered ? {} : { error: "not_delivered" }), view: home ? apiView(ws, home) : null });
      } catch (e) {
        fail(res, e);
      }
    })
    .add("GET", "/sandbox/state", async (_req, res) => {
      // The simulation's history generated first (a few slices more, the event loop running between them).
      for (const p of parts) await p.warm?.();
      const state: Json = { channels: ws.channelsSummary() };
      if (scenarios) state.activeScenario = scenarios.active();
      for (const p of parts) Object.assign(state, p.state());
      sendJson(res, 200, state);
    })
    .add("GET", "/sandbox/scenarios", (_req, res) => {
      if (!scenarios) return sendJson(res, 200, { scenarios: [], active: null, available: false });
      sendJson(res, 200, { scenarios: scenarios.list(), active: scenarios.active(), available: true });
    })
    .add("POST", "/sandbox/scenarios/:name", async (req, res) => scenario(req, res, "start"))
    .add("DELETE", "/sandbox/scenarios/:name", async (req, res) => scenario(req, res, "stop"))
    .add("GET", "/sandbox/events", (_req, res) => stream.add(res))
    // What the page reads.
    .add("GET", "/sandbox/workspace", (req, res) => {
      const me = req.query.get("user") ?? "U_ALICE";
      sendJson(res, 200, {
        team: ws.team,
        bot: { user_id: ws.botUserId, bot_id: ws.botId, name: ws.botName },
        people: ws
          .people()
          .filter((u) => u.id !== "USLACKBOT")
          .map((u) => ({ id: u.id, name: u.name, real_name: u.realName, title: u.title })),
        users: ws.listUsers().map((u) => apiUser(ws, u)),
        usergroups: ws.listUsergroups().map((g) => ({ id: g.id, handle: g.handle, name: g.name, users: g.users })),
        channels: ws.visibleChannels(me).map((c) => ({ id: c.id, name: c.name, team: c.team ?? ws.team.id, is_private: c.isPrivate, is_member: c.members.has(me), topic: c.topic.value, purpose: c.purpose.value, members: [...c.members], bookmarks: c.bookmarks })),
        commands: slack.core.commands,
        views: ws.modalStack(me).map((v) => ({ ...apiView(ws, v), errors: v.errors ?? null })),
        home: ws.home(me) ? apiView(ws, ws.home(me)!) : null,
        install_url: slack.core.oauth?.app.installUrl ?? null,
      });
    })
    .add("GET", "/sandbox/users/:user/channels/:channel/messages", (req, res) => {
      try {
        const user = slack.actions.person(req.params.user);
        const ch = slack.actions.channelFor(user, req.params.channel);
        const limit = Math.min(Number(req.query.get("limit") ?? 200) || 200, 1000);
        const msgs = ws.history(ch.id, user.id).slice(-limit);
        sendJson(res, 200, { channel: ch.id, messages: msgs.map((m) => visibleMessage(ws, m, urls)) });
      } catch (e) {
        fail(res, e);
      }
    })
    .add("GET", "/sandbox/users/:user/channels/:channel/threads/:ts", (req, res) => {
      try {
        const user = slack.actions.person(req.params.user);
        const ch = slack.actions.channelFor(user, req.params.channel);
        const parent = ws.message(ch.id, req.params.ts);
        if (!parent || (parent.visibleTo && parent.visibleTo !== user.id)) throw new ActionError(404, "thread_not_found");
        const status = ws.assistantThread(ch.id, parent.ts)?.status || null;
        sendJson(res, 200, { channel: ch.id, parent: visibleMessage(ws, parent, urls), replies: ws.replies(ch.id, parent.ts, user.id).map((m) => visibleMessage(ws, m, urls)), status });
      } catch (e) {
        fail(res, e);
      }
    })
    .add("POST", "/sandbox/users/:user/token", (req, res) => {
      try {
        const user = slack.actions.person(req.params.user);
        sendJson(res, 200, { ok: true, user: user.id, token: slack.userToken(user.id) });
      } catch (e) {
        fail(res, e);
      }
    })
    .add("GET", "/sandbox/deliveries", (_req, res) => sendJson(res, 200, { deliveries: slack.core.delivery.log.slice(-100) }))
    // Slack's `disconnect` message on the app's Socket Mode connections (a refresh, or its warning).
    .add("POST", "/sandbox/socket/disconnect", (req, res) => {
      const hub = slack.core.socketMode;
      if (!hub) return sendJson(res, 409, { ok: false, error: "not_socket_mode", detail: "the app is not in Socket Mode (SLACK_SOCKET_MODE=true)" });
      let b: Obj;
      try {
        b = body(req);
      } catch (e) {
        return fail(res, e);
      }
      const reason = b.reason ?? "refresh_requested";
      if (!DISCONNECT_REASONS.includes(reason as DisconnectReason)) return sendJson(res, 400, { ok: false, error: "invalid_reason", detail: `reason is one of ${DISCONNECT_REASONS.join(", ")}` });
      const closeAfterMs = typeof b.close_after_ms === "number" && b.close_after_ms >= 0 ? Math.min(b.close_after_ms, 60_000) : undefined;
      const told = hub.disconnect(reason as DisconnectReason, closeAfterMs);
      sendJson(res, 200, { ok: true, reason, connections: told, hellos: hub.hellos });
    })
    // The app is uninstalled from a workspace: its OAuth tokens are revoked, then tokens_revoked and app_uninstalled are delivered.
    .add("POST", "/sandbox/apps/uninstall", async (req, res) => {
      let b: Obj;
      try {
        b = body(req);
      } catch (e) {
        return fail(res, e);
      }
      const team = typeof b.team === "string" ? b.team : ws.team.id;
      if (!SANDBOX_TEAMS.some((t) => t.id === team)) return sendJson(res, 400, { ok: false, error: "invalid_team", detail: `team is one of ${SANDBOX_TEAMS.map((t) => t.id).join(", ")}` });
      const revoked = slack.core.oauth?.revokeTeam(team) ?? 0;
      const events = await slack.events.uninstalled(team);
      sendJson(res, 200, { ok: true, team, revoked, events });
    })
    .add("GET", "/sandbox/socket", (_req, res) => {
      const hub = slack.core.socketMode;
      if (!hub) return sendJson(res, 409, { ok: false, error: "not_socket_mode" });
      sendJson(res, 200, { ok: true, connections: hub.connectionCount, hellos: hub.hellos, disconnects: hub.disconnects, acked: hub.sent.filter((x) => x.acked).length, sent: hub.sent.length });
    });

  async function scenario(req: RouteRequest<"name">, res: ServerResponse, what: "start" | "stop"): Promise<void> {
    if (!scenarios) return sendJson(res, 503, { ok: false, error: "no_scenarios", detail: "no simulated system is running, so there are no scenarios" });
    const name = req.params.name;
    const known = scenarios.list().map((s) => s.name);
    if (!known.includes(name)) return sendJson(res, 404, { ok: false, error: "scenario_not_found", detail: `unknown scenario "${name}"`, scenarios: known });
    try {
      if (what === "start") {
        // `?overlap=1` keeps the running scenarios (two faults at once); by default one replaces the other.
        const info = await scenarios.start(name, { overlap: ["1", "true"].includes(req.query.get("overlap") ?? "") });
        stream.send("scenario", { name, active: scenarios.active() });
        sendJson(res, 200, { ok: true, scenario: info, active: scenarios.active() });
      } else {
        await scenarios.stop(name);
        stream.send("scenario", { name, active: scenarios.active() });
        sendJson(res, 200, { ok: true, active: scenarios.active() });
      }
    } catch (e) {
      sendJson(res, 409, { ok: false, error: "scenario_failed", detail: e instanceof Error ? e.message : String(e) });
    }
  }

  return {
    router,
    close() {
      unsubscribe();
      stream.close();
    },
  };
}
