import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, ListMetricsCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { AppError } from "../../errors.ts";
import type { CloudWatchAlarm, CloudWatchMetricRef, CloudWatchPort, CloudWatchQuery, CloudWatchSeries } from "./port.ts";

export const MAX_QUERIES_PER_CALL = 500;

function dims(d: Record<string, string> | undefined): Array<{ Name: string; Value: string }> {
  return Object.entries(d ?? {}).map(([Name, Value]) => ({ Name, Value }));
}

function fromDims(d: Array<{ Name?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((d ?? []).map((x) => [x.Name ?? "", x.Value ?? ""]));
}

function toSdkQuery(q: CloudWatchQuery): MetricDataQuery {
  if (q.expression) return { Id: q.id, Expression: q.expression, Label: q.label, ReturnData: q.returnData, Period: q.periodSeconds };
  if (!q.namespace || !q.metricName) throw new AppError("cloudwatch_bad_query", `Query ${q.id} needs a namespace and metricName, or an expression.`);
  return { Id: q.id, Label: q.label, ReturnData: q.returnData, MetricStat: { Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: dims(q.dimensions) }, Period: q.periodSeconds ?? 60, Stat: q.stat ?? "Average" } };
}

/** Splits into chunks that keep metric-math expressions with the ids they use (best effort: expressions go with everything they reference). */
export function batchQueries(queries: CloudWatchQuery[], size = MAX_QUERIES_PER_CALL): CloudWatchQuery[][] {
  if (queries.length <= size) return [queries];
  const byId = new Map(queries.map((q) => [q.id, q]));
  const groups: CloudWatchQuery[][] = [];
  const placed = new Set<string>();
  const closure = (q: CloudWatchQuery): CloudWatchQuery[] => {
    const out = [q];
    if (q.expression) for (const tok of q.expression.match(/[a-z][a-zA-Z0-9_]*/g) ?? []) if (byId.has(tok) && tok !== q.id) out.push(...closure(byId.get(tok)!));
    return out;
  };
  let current: CloudWatchQuery[] = [];
  for (const q of queries) {
    if (placed.has(q.id)) continue;
    const unit = closure(q).filter((x, i, a) => a.findIndex((y) => y.id === x.id) === i && (!placed.has(x.id) || x.id === q.id));
    if (current.length + unit.length > size) {
      groups.push(current);
      current = [];
    }
    for (const u of unit) {
      placed.add(u.id);
      current.push(u);
    }
  }
  if (current.length) groups.push(current);
  return groups;
}

/** CloudWatchPort over `@aws-sdk/client-cloudwatch` (set `endpoint` for the sandbox or a VPC endpoint). */
export class AwsCloudWatch implements CloudWatchPort {
  readonly client: CloudWatchClient;

  constructor(options: { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }; client?: CloudWatchClient }) {
    this.client = options.client ?? new CloudWatchClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials, maxAttempts: 3 });
  }

  private async send<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = err.$metadata?.httpStatusCode;
      throw new AppError(status && status < 500 ? "cloudwatch_rejected" : "cloudwatch_unreachable", `CloudWatch ${what} failed: ${err.name ?? "Error"}: ${err.message ?? String(e)}`, { status: status && status < 500 ? 400 : 502, cause: e });
    }
  }

  async getMetricData(queries: CloudWatchQuery[], options: { start: Date; end: Date; maxDatapoints?: number }): Promise<CloudWatchSeries[]> {
    const out = new Map<string, CloudWatchSeries>();
    for (const batch of batchQueries(queries)) {
      let token: string | undefined;
      do {
        const page = await this.send("GetMetricData", () => this.client.send(new GetMetricDataCommand({ MetricDataQueries: batch.map(toSdkQuery), StartTime: options.start, EndTime: options.end, ScanBy: "TimestampAscending", MaxDatapoints: options.maxDatapoints, NextToken: token })));
        for (const r of page.MetricDataResults ?? []) {
          const id = r.Id ?? "";
          const s = out.get(id) ?? { id, label: r.Label ?? id, timestamps: [], values: [], status: r.StatusCode ?? "Complete" };
          (r.Timestamps ?? []).forEach((t, i) => {
            s.timestamps.push(t.getTime() / 1000);
            s.values.push(r.Values?.[i] ?? Number.NaN);
          });
          s.status = r.StatusCode ?? s.status;
          out.set(id, s);
        }
        token = page.NextToken;
      } while (token);
    }
    for (const s of out.values()) {
      const order = s.timestamps.map((_, i) => i).sort((a, b) => s.timestamps[a]! - s.timestamps[b]!);
      s.timestamps = order.map((i) => s.timestamps[i]!);
      s.values = order.map((i) => s.values[i]!);
    }
    return queries.filter((q) => q.returnData !== false).map((q) => out.get(q.id) ?? { id: q.id, label: q.label ?? q.metricName ?? q.id, timestamps: [], values: [], status: "Complete" });
  }

  async listMetrics(filter: { namespace?: string; metricName?: string; dimensions?: Record<string, string | undefined> } = {}): Promise<CloudWatchMetricRef[]> {
    const out: CloudWatchMetricRef[] = [];
    let token: string | undefined;
    do {
      const page = await this.send("ListMetrics", () => this.client.send(new ListMetricsCommand({ Namespace: filter.namespace, MetricName: filter.metricName, Dimensions: filter.dimensions ? Object.entries(filter.dimensions).map(([Name, Value]) => ({ Name, Value })) : undefined, NextToken: token })));
      for (const m of page.Metrics ?? []) out.push({ namespace: m.Namespace ?? "", metricName: m.MetricName ?? "", dimensions: fromDims(m.Dimensions) });
      token = page.NextToken;
    } while (token);
    return out;
  }

  async describeAlarms(filter: { names?: string[]; namePrefix?: string; state?: "OK" | "ALARM" | "INSUFFICIENT_DATA" } = {}): Promise<CloudWatchAlarm[]> {
    const out: CloudWatchAlarm[] = [];
    let token: string | undefined;
    do {
      const page = await this.send("DescribeAlarms", () => this.client.send(new DescribeAlarmsCommand({ AlarmNames: filter.names, AlarmNamePrefix: filter.namePrefix, StateValue: filter.state, AlarmTypes: ["MetricAlarm"], NextToken: token })));
      for (const a of page.MetricAlarms ?? []) {
        out.push({
          name: a.AlarmName ?? "",
          arn: a.AlarmArn,
          description: a.AlarmDescription,
          state: a.StateValue ?? "INSUFFICIENT_DATA",
          reason: a.StateReason,
          updatedAt: a.StateUpdatedTimestamp ? a.StateUpdatedTimestamp.getTime() / 1000 : undefined,
          namespace: a.Namespace,
          metricName: a.MetricName,
          dimensions: fromDims(a.Dimensions),
          statistic: a.Statistic ?? a.ExtendedStatistic,
          periodSeconds: a.Period,
          threshold: a.Threshold,
          comparison: a.ComparisonOperator,
        });
      }
      token = page.NextToken;
    } while (token);
    return out;
  }
}
