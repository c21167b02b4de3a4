import type { IncomingMessage, ServerResponse } from "node:http";
import { Router, sendJson } from "../http/router.ts";

export type FaultTarget = "slack" | "jira" | "pagerduty";
export type FaultMode = "5xx" | "429" | "timeout" | "drop-response";

export interface Fault {
  target: FaultTarget;
  /** Slack: a Web API method (`chat.postMessage`). Jira/PagerDuty: an HTTP method, optionally with a path prefix (`POST /rest/api/3/issue`). */
  method?: string;
  mode: FaultMode;
  /** Unix ms when the fault ends by itself. */
  until: number;
}

const TARGETS: FaultTarget[] = ["slack", "jira", "pagerduty"];
const MODES: FaultMode[] = ["5xx", "429", "timeout", "drop-response"];
const PREFIX: Record<FaultTarget, string> = { slack: "/api/", jira: "/jira/", pagerduty: "/pagerduty/" };

/** What a faulty vendor answers (429s carry Retry-After as the real ones do). */
function refuse(target: FaultTarget, mode: "5xx" | "429", res: ServerResponse): void {
  if (mode === "429") {
    const body = target === "slack" ? { ok: false, error: "ratelimited" } : target === "jira" ? { errorMessages: ["Rate limit exceeded."], errors: {} } : { error: { message: "Rate Limit Exceeded", code: 2020 } };
    return sendJson(res, 429, body, { "retry-after": "1" });
  }
  const body = target === "slack" ? { ok: false, error: "service_unavailable" } : target === "jira" ? { errorMessages: ["Service unavailable"], errors: {} } : { error: { message: "Service Unavailable", code: 2001 } };
  sendJson(res, 503, body);
}

/**
 * The sandbox's fault switch (`POST /sandbox/faults`, `DELETE /sandbox/faults`): makes the Slack,
 * Jira or PagerDuty twin fail for a while, as their real services do during an outage — answer
 * 5xx, rate-limit with 429 + Retry-After, hold the request unanswered (timeout), or carry the call
 * out and then drop the connection before answering (the ambiguous case: done, but the caller
 * cannot know).
 */
export class FaultSwitch {
  private faults: Fault[] = [];
  /** Requests held open by a `timeout` fault: their connections are cut when the fault ends. */
  private readonly held = new Set<ServerResponse>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  active(): Fault[] {
    const t = this.now();
    this.faults = this.faults.filter((f) => f.until > t);
    if (this.faults.length === 0) this.releaseHeld();
    return [...this.faults];
  }

  add(f: Omit<Fault, "until"> & { seconds: number }): Fault {
    const fault: Fault = { target: f.target, method: f.method, mode: f.mode, until: this.now() + f.seconds * 1000 };
    this.faults.push(fault);
    const timer = setTimeout(() => this.active(), f.seconds * 1000 + 5);
    timer.unref();
    return fault;
  }

  clear(): void {
    this.faults = [];
    this.releaseHeld();
  }

  /** The faults in progress as JSON (each with its wall-clock end), for `restore` after a restart. */
  snapshot(): string {
    return JSON.stringify({ version: 1, faults: this.active() });
  }

  /** Puts back the faults a restarted sandbox had in progress; those whose time ran out meanwhile are over. */
  restore(json: string): void {
    const data = JSON.parse(json) as { faults?: Fault[] };
    const t = this.now();
    for (const f of data.faults ?? []) {
      if (!TARGETS.includes(f.target) || !MODES.includes(f.mode) || !(f.until > t)) continue;
      this.faults.push({ target: f.target, ...(f.method ? { method: f.method } : {}), mode: f.mode, until: f.until });
      setTimeout(() => this.active(), f.until - t + 5).unref();
    }
  }

  private releaseHeld(): void {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
  }

  private match(req: IncomingMessage): Fault | undefined {
    if (this.faults.length === 0) return undefined;
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    return this.active().find((f) => {
      const prefix = PREFIX[f.target];
      if (!path.startsWith(prefix)) return false;
      if (!f.method) return true;
      if (f.target === "slack") return path.slice(prefix.length) === f.method;
      const [verb, sub] = f.method.split(/\s+/, 2);
      return verb?.toUpperCase() === req.method && (!sub || path.slice(prefix.length - 1).startsWith(sub));
    });
  }

  /**
   * Applies a matching fault to a request. Returns true when the request is fully taken care of
   * (refused or held); for `drop-response` the request goes on to its handler with a response whose
   * answer is never sent.
   */
  intercept(req: IncomingMessage, res: ServerResponse): boolean {
    const fault = this.match(req);
    if (!fault) return false;
    if (fault.mode === "5xx" || fault.mode === "429") {
      req.resume();
      refuse(fault.target, fault.mode, res);
      return true;
    }
    if (fault.mode === "timeout") {
      req.resume();
      this.held.add(res);
      res.on("close", () => this.held.delete(res));
      return true;
    }
    // drop-response: the call is carried out; the answer is lost on the way back.
    const cut = () => {
      res.socket?.destroy();
      return res;
    };
    res.writeHead = cut as unknown as ServerResponse["writeHead"];
    res.end = cut as unknown as ServerResponse["end"];
    return false;
  }

  /** `POST /sandbox/faults`, `GET /sandbox/faults`, `DELETE /sandbox/faults`. */
  router(): Router {
    return new Router()
      .add("GET", "/sandbox/faults", (_req, res) => sendJson(res, 200, { ok: true, faults: this.active().map(describe) }))
      .add("DELETE", "/sandbox/faults", (_req, res) => {
        this.clear();
        sendJson(res, 200, { ok: true, faults: [] });
      })
      .add("POST", "/sandbox/faults", (req, res) => {
        let b: Record<string, unknown>;
        try {
          b = JSON.parse(req.body.toString("utf8") || "{}") as Record<string, unknown>;
        } catch {
          return sendJson(res, 400, { ok: false, error: "invalid_json", detail: "the body must be a JSON object" });
        }
        const target = b.target as FaultTarget;
        const mode = b.mode as FaultMode;
        const seconds = b.seconds === undefined ? 30 : Number(b.seconds);
        if (!TARGETS.includes(target)) return sendJson(res, 400, { ok: false, error: "invalid_arguments", detail: `"target" must be one of ${TARGETS.join(", ")}` });
        if (!MODES.includes(mode)) return sendJson(res, 400, { ok: false, error: "invalid_arguments", detail: `"mode" must be one of ${MODES.join(", ")}` });
        if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) return sendJson(res, 400, { ok: false, error: "invalid_arguments", detail: '"seconds" must be a number of seconds (0-3600]' });
        if (b.method !== undefined && (typeof b.method !== "string" || !b.method)) return sendJson(res, 400, { ok: false, error: "invalid_arguments", detail: '"method" must be a non-empty string' });
        const fault = this.add({ target, mode, method: b.method as string | undefined, seconds });
        sendJson(res, 200, { ok: true, fault: describe(fault), faults: this.active().map(describe) });
      });
  }
}

const describe = (f: Fault) => ({ target: f.target, method: f.method ?? null, mode: f.mode, until: new Date(f.until).toISOString() });
