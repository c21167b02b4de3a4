import type { ServerResponse } from "node:http";
import { type RouteRequest, Router, sendJson, sendText } from "../../../http/router.ts";
import type { RuleEngine } from "../alerts/engine.ts";
import type { SeriesStore } from "../metrics/series-store.ts";
import { PromQLError } from "../promql/ast.ts";
import { Evaluator, selectSeries } from "../promql/eval.ts";
import { parseDuration, parsePromQL } from "../promql/parse.ts";
import { formatValue } from "../promql/values.ts";
import { exposition } from "./exposition.ts";

export interface PrometheusContext {
  store: SeriesStore;
  rules: RuleEngine;
  /** Current simulated time (ms). */
  now: () => number;
}

function fail(res: ServerResponse, status: number, errorType: string, error: string): void {
  sendJson(res, status, { status: "error", errorType, error });
}

/** Query parameters from the URL and, for POST, the form body (Prometheus accepts both). */
function params(req: RouteRequest): URLSearchParams {
  const p = new URLSearchParams(req.query);
  const ct = String(req.headers["content-type"] ?? "");
  if (req.method === "POST" && ct.includes("application/x-www-form-urlencoded")) for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) p.append(k, v);
  return p;
}

/** RFC 3339 or unix seconds → ms. */
export function parseTime(v: string | null, fallback: number): number {
  if (v === null || v === "") return fallback;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new PromQLError(`cannot parse "${v}" to a valid timestamp`);
  return t;
}

function parseStep(v: string | null): number {
  if (!v) throw new PromQLError('cannot parse "" to a valid duration');
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  return parseDuration(v);
}

const seconds = (ms: number): number => ms / 1000;

export function prometheusRouter(ctx: PrometheusContext): Router {
  const r = new Router();
  const both = (path: string, h: (req: RouteRequest, res: ServerResponse) => void): void => {
    r.add("GET", path, h);
    r.add("POST", path, h);
  };
  const guard = (h: (req: RouteRequest, res: ServerResponse, p: URLSearchParams) => void) => (req: RouteRequest, res: ServerResponse) => {
    try {
      h(req, res, params(req));
    } catch (e) {
      if (e instanceof PromQLError) return fail(res, 400, "bad_data", e.message);
      if (e instanceof SyntaxError) return fail(res, 400, "bad_data", `invalid regular expression: ${e.message}`);
      throw e;
    }
  };

  both(
    "/prometheus/api/v1/query",
    guard((_req, res, p) => {
      const q = p.get("query");
      if (!q) throw new PromQLError('invalid parameter "query": empty query');
      const t = parseTime(p.get("time"), ctx.now());
      const v = new Evaluator(ctx.store).instant(q, t);
      const ts = seconds(t);
      let data: unknown;
      if (v.kind === "scalar") data = { resultType: "scalar", result: [ts, formatValue(v.v)] };
      else if (v.kind === "string") data = { resultType: "string", result: [ts, v.s] };
      else if (v.kind === "vector") data = { resultType: "vector", result: v.samples.map((s) => ({ metric: s.labels, value: [ts, formatValue(s.v)] })) };
      else data = { resultType: "matrix", result: v.series.map((s) => ({ metric: s.labels, values: s.points.map(([pt, pv]) => [seconds(pt), formatValue(pv)]) })) };
      sendJson(res, 200, { status: "success", data });
    }),
  );

  both(
    "/prometheus/api/v1/query_range",
    guard((_req, res, p) => {
      const q = p.get("query");
      if (!q) throw new PromQLError('invalid parameter "query": empty query');
      const start = parseTime(p.get("start"), Number.NaN);
      const end = parseTime(p.get("end"), Number.NaN);
      if (Number.isNaN(start) || Number.isNaN(end)) throw new PromQLError('invalid parameter "start"/"end": cannot parse "" to a valid timestamp');
      if (end < start) throw new PromQLError('invalid parameter "end": end timestamp must not be before start time');
      const step = parseStep(p.get("step"));
      const series = new Evaluator(ctx.store).range(q, start, end, step);
      sendJson(res, 200, { status: "success", data: { resultType: "matrix", result: series.map((s) => ({ metric: s.labels, values: s.points.map(([t, v]) => [seconds(t), formatValue(v)]) })) } });
    }),
  );

  const matching = (p: URLSearchParams, required: boolean) => {
    const matches = p.getAll("match[]");
    if (required && matches.length === 0) throw new PromQLError("no match[] parameter provided");
    const now = ctx.now();
    const start = parseTime(p.get("start"), now - 3_600_000 * 6);
    const end = parseTime(p.get("end"), now);
    const first = ctx.store.stepOf(start);
    const last = ctx.store.stepOf(end);
    const inRange = (s: ReturnType<typeof selectSeries>[number]) => {
      for (let i = Math.max(first, ctx.store.tail); i <= Math.min(last, ctx.store.head); i++) if (!Number.isNaN(ctx.store.at(s, i))) return true;
      return false;
    };
    const sets = matches.length
      ? matches.flatMap((m) => {
          const e = parsePromQL(m);
          if (e.type !== "selector") throw new PromQLError(`invalid parameter "match[]": expected a series selector`);
          return selectSeries(ctx.store, e.name, e.matchers);
        })
      : selectSeries(ctx.store, undefined, [{ name: "__name__", op: "=~", value: ".+" }]);
    const unique = new Map(sets.map((s) => [s.key, s]));
    return [...unique.values()].filter(inRange);
  };

  both(
    "/prometheus/api/v1/series",
    guard((_req, res, p) => {
      sendJson(res, 200, { status: "success", data: matching(p, true).map((s) => s.labels) });
    }),
  );
  both(
    "/prometheus/api/v1/labels",
    guard((_req, res, p) => {
      const names = new Set<string>();
      for (const s of matching(p, false)) for (const k of Object.keys(s.labels)) names.add(k);
      sendJson(res, 200, { status: "success", data: [...names].sort() });
    }),
  );
  r.add(
    "GET",
    "/prometheus/api/v1/label/:name/values",
    guard((req, res, p) => {
      const values = new Set<string>();
      for (const s of matching(p, false)) {
        const v = s.labels[req.params.name!];
        if (v !== undefined) values.add(v);
      }
      sendJson(res, 200, { status: "success", data: [...values].sort() });
    }),
  );
  r.add("GET", "/prometheus/api/v1/metadata", (_req, res) => {
    const data: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
    for (const f of ctx.store.families.values()) data[f.name] = [{ type: f.type, help: f.help, unit: "" }];
    sendJson(res, 200, { status: "success", data });
  });
  r.add("GET", "/prometheus/api/v1/alerts", (_req, res) => {
    const alerts = [...ctx.rules.alerts.values()].filter((a) => a.state !== "inactive").map((a) => ({ labels: a.labels, annotations: a.annotations, state: a.state, activeAt: new Date(a.activeAt).toISOString(), value: formatValue(a.value) }));
    sendJson(res, 200, { status: "success", data: { alerts } });
  });
  r.add("GET", "/prometheus/api/v1/rules", (_req, res) => {
    const rules = ctx.rules.rules.map((rule) => {
      const alerts = [...ctx.rules.alerts.values()].filter((a) => a.rule === rule && a.state !== "inactive");
      return {
        name: rule.alert,
        query: rule.expr,
        duration: rule.forMs / 1000,
        labels: rule.labels,
        annotations: rule.annotations,
        alerts: alerts.map((a) => ({ labels: a.labels, annotations: a.annotations, state: a.state, activeAt: new Date(a.activeAt).toISOString(), value: formatValue(a.value) })),
        health: "ok",
        type: "alerting",
        state: alerts.some((a) => a.state === "firing") ? "firing" : alerts.length ? "pending" : "inactive",
      };
    });
    sendJson(res, 200, { status: "success", data: { groups: [{ name: "acme-shop", file: "/etc/prometheus/rules/acme-shop.yaml", rules, interval: 30 }] } });
  });
  r.add("GET", "/prometheus/api/v1/status/buildinfo", (_req, res) => {
    sendJson(res, 200, { status: "success", data: { version: "2.53.1", revision: "aisre-sim", branch: "HEAD", buildUser: "sim", buildDate: "20240710-00:00:00", goVersion: "go1.22.5" } });
  });
  const metrics = (_req: RouteRequest, res: ServerResponse): void => sendText(res, 200, exposition(ctx.store), "text/plain; version=0.0.4; charset=utf-8");
  r.add("GET", "/prometheus/metrics", metrics);
  r.add("GET", "/prometheus/federate", metrics);
  return r;
}
