import type { ServerResponse } from "node:http";
import { type RouteRequest, Router, sendJson } from "../../../http/router.ts";
import type { SeriesStore } from "../metrics/series-store.ts";
import { aggregate, CloudWatchError, type CwMetricId, type Dimension, findSeries, listCwMetrics } from "./aggregate.ts";
import type { AlarmEvaluator } from "./alarms.ts";
import { evaluateExpression, type TimeSeries } from "./expression.ts";

export interface CloudWatchContext {
  store: SeriesStore;
  alarms: AlarmEvaluator;
}

const TARGET_PREFIX = "GraniteServiceVersion20100801.";
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;

interface MetricDataQuery {
  Id: string;
  MetricStat?: { Metric: CwMetricId; Period: number; Stat: string; Unit?: string };
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
}

function fail(res: ServerResponse, e: CloudWatchError): void {
  sendJson(res, e.status, { __type: `com.amazonaws.cloudwatch#${e.code}${e.code.endsWith("Exception") ? "" : "Exception"}`, message: e.message }, { "x-amzn-query-error": `${e.code};Sender`, "content-type": "application/x-amz-json-1.0" });
}

function ok(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "content-length": Buffer.byteLength(text), "x-amzn-requestid": crypto.randomUUID() });
  res.end(text);
}

function seconds(v: unknown, field: string): number {
  if (typeof v === "number") return v * 1000;
  if (typeof v === "string" && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw new CloudWatchError("InvalidParameterValue", `The parameter ${field} must be a timestamp.`);
}

function token(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj)).toString("base64");
}

function untoken<T>(t: unknown): T | undefined {
  if (typeof t !== "string" || !t) return undefined;
  try {
    return JSON.parse(Buffer.from(t, "base64").toString("utf8")) as T;
  } catch {
    throw new CloudWatchError("InvalidNextToken", "The service couldn't process your request because the NextToken is invalid.");
  }
}

function getMetricData(ctx: CloudWatchContext, input: Record<string, unknown>): unknown {
  const queries = (input.MetricDataQueries ?? []) as MetricDataQuery[];
  if (!Array.isArray(queries) || queries.length === 0) throw new CloudWatchError("ValidationError", "1 validation error detected: Value null at 'metricDataQueries' failed to satisfy constraint: Member must not be null");
  if (queries.length > MAX_QUERIES) throw new CloudWatchError("ValidationError", `1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_QUERIES}`);
  const start = seconds(input.StartTime, "StartTime");
  const end = seconds(input.EndTime, "EndTime");
  if (end <= start) throw new CloudWatchError("InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.");
  const ids = new Set<string>();
  for (const q of queries) {
    if (!q.Id || !/^[a-z][a-zA-Z0-9_]*$/.test(q.Id)) throw new CloudWatchError("ValidationError", `The value ${q.Id} for parameter MetricDataQueries.member.Id is not valid: it must start with a lowercase letter.`);
    if (ids.has(q.Id)) throw new CloudWatchError("ValidationError", `The value ${q.Id} for parameter MetricDataQueries.member.Id is duplicated.`);
    ids.add(q.Id);
    if (!q.MetricStat === !q.Expression) throw new CloudWatchError("ValidationError", `Exactly one of MetricStat and Expression must be set for query ${q.Id}.`);
  }
  const computed = new Map<string, TimeSeries>();
  for (const q of queries) {
    if (!q.MetricStat) continue;
    const ms = q.MetricStat;
    if (!ms.Period || ms.Period < 1 || (ms.Period >= 60 && ms.Period % 60 !== 0)) throw new CloudWatchError("InvalidParameterValue", `The parameter MetricDataQueries.member.MetricStat.Period must be 1, 5, 10, 30, 60, or a multiple of 60.`);
    const data = aggregate(ctx.store, findSeries(ctx.store, ms.Metric), start, end, Math.max(ms.Period, 15), ms.Stat);
    computed.set(q.Id, new Map(data.timestamps.map((t, i) => [t, data.values[i]!])));
  }
  for (const q of queries) if (q.Expression) computed.set(q.Id, evaluateExpression(q.Expression, new Map([...computed].filter(([k]) => k !== q.Id))));

  const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";
  const flat: Array<{ id: string; label: string; points: Array<[number, number]> }> = queries
    .filter((q) => q.ReturnData !== false)
    .map((q) => {
      const points = [...computed.get(q.Id)!].sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
      return { id: q.Id, label: q.Label ?? (q.MetricStat ? q.MetricStat.Metric.MetricName : q.Id), points };
    });
  const max = Number(input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS);
  const cursor = untoken<{ q: number; p: number }>(input.NextToken) ?? { q: 0, p: 0 };
  const results: unknown[] = [];
  let budget = max;
  let qi = cursor.q;
  let pi = cursor.p;
  let next: { q: number; p: number } | undefined;
  while (qi < flat.length) {
    const f = flat[qi]!;
    const take = f.points.slice(pi, pi + budget);
    const done = pi + take.length >= f.points.length;
    results.push({ Id: f.id, Label: f.label, Timestamps: take.map(([t]) => t / 1000), Values: take.map(([, v]) => v), StatusCode: done ? "Complete" : "PartialData" });
    budget -= take.length;
    if (!done) {
      next = { q: qi, p: pi + take.length };
      break;
    }
    qi += 1;
    pi = 0;
    if (budget <= 0 && qi < flat.length) {
      next = { q: qi, p: 0 };
      break;
    }
  }
  return { MetricDataResults: results, Messages: [], ...(next ? { NextToken: token(next) } : {}) };
}

function listMetrics(ctx: CloudWatchContext, input: Record<string, unknown>): unknown {
  const ns = input.Namespace as string | undefined;
  const name = input.MetricName as string | undefined;
  const filters = (input.Dimensions ?? []) as Array<{ Name: string; Value?: string }>;
  const all = listCwMetrics(ctx.store)
    .filter(({ series }) => series.lastStep >= ctx.store.head - 240)
    .map(({ id }) => id)
    .filter((m) => (!ns || m.Namespace === ns) && (!name || m.MetricName === name))
    .filter((m) => filters.every((f) => m.Dimensions.some((d: Dimension) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value))))
    .sort((a, b) => `${a.Namespace}/${a.MetricName}`.localeCompare(`${b.Namespace}/${b.MetricName}`));
  const offset = untoken<number>(input.NextToken) ?? 0;
  const page = all.slice(offset, offset + 500);
  return { Metrics: page, ...(offset + 500 < all.length ? { NextToken: token(offset + 500) } : {}) };
}

function describeAlarms(ctx: CloudWatchContext, input: Record<string, unknown>): unknown {
  const names = input.AlarmNames as string[] | undefined;
  const prefix = input.AlarmNamePrefix as string | undefined;
  const state = input.StateValue as string | undefined;
  const types = (input.AlarmTypes as string[] | undefined) ?? ["MetricAlarm"];
  const actionPrefix = input.ActionPrefix as string | undefined;
  if (names?.length && prefix) throw new CloudWatchError("InvalidParameterCombination", "AlarmNamePrefix and AlarmNames cannot be used together.");
  let alarms = ctx.alarms.states.filter((s) => (!names?.length || names.includes(s.def.AlarmName)) && (!prefix || s.def.AlarmName.startsWith(prefix)) && (!state || s.StateValue === state));
  if (actionPrefix) alarms = alarms.filter(() => "arn:aws:sns:eu-west-1:123456789012:aisre-alarms".startsWith(actionPrefix));
  if (!types.includes("MetricAlarm")) alarms = [];
  const max = Math.min(100, Number(input.MaxRecords ?? 50));
  const offset = untoken<number>(input.NextToken) ?? 0;
  const page = alarms.slice(offset, offset + max);
  return { MetricAlarms: page.map((s) => ctx.alarms.render(s)), CompositeAlarms: [], ...(offset + max < alarms.length ? { NextToken: token(offset + max) } : {}) };
}

function getMetricStatistics(ctx: CloudWatchContext, input: Record<string, unknown>): unknown {
  const metric = { Namespace: String(input.Namespace), MetricName: String(input.MetricName), Dimensions: (input.Dimensions ?? []) as Dimension[] };
  const start = seconds(input.StartTime, "StartTime");
  const end = seconds(input.EndTime, "EndTime");
  const period = Number(input.Period ?? 60);
  const stats = (input.Statistics ?? []) as string[];
  const ext = (input.ExtendedStatistics ?? []) as string[];
  if (stats.length === 0 && ext.length === 0) throw new CloudWatchError("MissingParameter", "The parameter Statistics or ExtendedStatistics must be specified.");
  const s = findSeries(ctx.store, metric);
  const base = aggregate(ctx.store, s, start, end, period, "SampleCount");
  const per = (stat: string) => aggregate(ctx.store, s, start, end, period, stat);
  const statData = new Map(stats.map((st) => [st, per(st)]));
  const extData = new Map(ext.map((st) => [st, per(st)]));
  const datapoints = base.timestamps.map((t, i) => {
    const dp: Record<string, unknown> = { Timestamp: t / 1000, Unit: "None" };
    for (const [st, d] of statData) dp[st] = d.values[i];
    if (ext.length) dp.ExtendedStatistics = Object.fromEntries([...extData].map(([st, d]) => [st, d.values[i]]));
    return dp;
  });
  return { Label: metric.MetricName, Datapoints: datapoints };
}

/** CloudWatch's AWS JSON 1.0 endpoint (what `@aws-sdk/client-cloudwatch` 3.x speaks). */
export function cloudwatchRouter(ctx: CloudWatchContext): Router {
  const r = new Router();
  const handler = (req: RouteRequest, res: ServerResponse): void => {
    const target = String(req.headers["x-amz-target"] ?? "");
    try {
      if (!target.startsWith(TARGET_PREFIX)) {
        throw new CloudWatchError("UnknownOperationException", "This endpoint speaks the AWS JSON 1.0 protocol (X-Amz-Target: GraniteServiceVersion20100801.<Operation>); the awsQuery protocol is not supported.");
      }
      let input: Record<string, unknown>;
      try {
        input = req.body.length ? (JSON.parse(req.body.toString("utf8")) as Record<string, unknown>) : {};
      } catch {
        throw new CloudWatchError("SerializationException", "Request body is not valid JSON");
      }
      const op = target.slice(TARGET_PREFIX.length);
      switch (op) {
        case "GetMetricData":
          return ok(res, getMetricData(ctx, input));
        case "ListMetrics":
          return ok(res, listMetrics(ctx, input));
        case "DescribeAlarms":
          return ok(res, describeAlarms(ctx, input));
        case "GetMetricStatistics":
          return ok(res, getMetricStatistics(ctx, input));
        default:
          throw new CloudWatchError("UnknownOperationException", `Operation ${op} is not supported by the simulated CloudWatch.`);
      }
    } catch (e) {
      if (e instanceof CloudWatchError) return fail(res, e);
      throw e;
    }
  };
  r.add("POST", "/cloudwatch", handler);
  r.add("POST", "/cloudwatch/*rest", handler);
  return r;
}
