import { CLUSTER, NAMESPACE } from "../catalog.ts";
import { ALB, CACHE_CLUSTER, MQ_BROKER, RDS_INSTANCE } from "../metrics/emit.ts";
import type { SeriesStore } from "../metrics/series-store.ts";
import { aggregate, type Dimension, findSeries } from "./aggregate.ts";

export interface AlarmDef {
  AlarmName: string;
  AlarmDescription: string;
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
  Statistic: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
}

export interface AlarmState {
  def: AlarmDef;
  StateValue: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: number;
}

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
export const ALARM_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:aisre-alarms`;

export function alarmArn(name: string): string {
  return `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
}

function def(name: string, description: string, ns: string, metric: string, dims: Record<string, string>, stat: string, periods: number, threshold: number, op: AlarmDef["ComparisonOperator"] = "GreaterThanThreshold"): AlarmDef {
  return { AlarmName: name, AlarmDescription: description, Namespace: ns, MetricName: metric, Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })), Statistic: stat, Period: 60, EvaluationPeriods: periods, DatapointsToAlarm: periods, Threshold: threshold, ComparisonOperator: op };
}

export const ALARMS: AlarmDef[] = [
  def("orders-db-cpu-high", "orders-db (RDS) CPU above 85% for 3 minutes", "AWS/RDS", "CPUUtilization", { DBInstanceIdentifier: RDS_INSTANCE }, "Average", 3, 85),
  def("shop-alb-target-5xx", "Storefront ALB: more than 300 target 5xx per minute", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", { LoadBalancer: ALB }, "Sum", 2, 300),
  def("checkout-latency-p99", "checkout p99 latency above 2s for 3 minutes", "AcmeShop/Services", "LatencyP99", { Service: "checkout" }, "Average", 3, 2000),
  def("payments-error-rate", "payments error rate above 5% for 3 minutes", "AcmeShop/Services", "ErrorRate", { Service: "payments" }, "Average", 3, 5),
  def("order-processor-memory", "order-processor pods above 90% of their memory limit", "ContainerInsights", "pod_memory_utilization", { ClusterName: CLUSTER, Namespace: NAMESPACE, Service: "order-processor" }, "Maximum", 5, 90),
  def("orders-queue-backlog", "More than 2000 orders waiting in the queue for 5 minutes", "AWS/AmazonMQ", "MessageReadyCount", { Broker: MQ_BROKER, VirtualHost: "/", Queue: "orders" }, "Maximum", 5, 2000),
  def("shop-cache-evictions", "Redis evicting more than 1500 keys per minute", "AWS/ElastiCache", "Evictions", { CacheClusterId: CACHE_CLUSTER }, "Sum", 1, 1500),
];

function breaches(op: AlarmDef["ComparisonOperator"], v: number, threshold: number): boolean {
  switch (op) {
    case "GreaterThanThreshold":
      return v > threshold;
    case "GreaterThanOrEqualToThreshold":
      return v >= threshold;
    case "LessThanThreshold":
      return v < threshold;
    case "LessThanOrEqualToThreshold":
      return v <= threshold;
  }
}

const OP_TEXT: Record<AlarmDef["ComparisonOperator"], string> = {
  GreaterThanThreshold: "greater than",
  GreaterThanOrEqualToThreshold: "greater than or equal to",
  LessThanThreshold: "less than",
  LessThanOrEqualToThreshold: "less than or equal to",
};

function fmtTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${String(d.getUTCFullYear()).slice(2)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** CloudWatch alarm evaluation over the simulated metrics; keeps each alarm's state and reason. */
export class AlarmEvaluator {
  readonly states: AlarmState[];

  constructor(now: number, defs: AlarmDef[] = ALARMS) {
    this.states = defs.map((d) => ({ def: d, StateValue: "INSUFFICIENT_DATA", StateReason: "Unchecked: Initial alarm creation", StateUpdatedTimestamp: now }));
  }

  evaluate(store: SeriesStore, now: number): void {
    for (const st of this.states) {
      const d = st.def;
      const end = Math.floor(now / (d.Period * 1000)) * d.Period * 1000;
      const start = end - d.EvaluationPeriods * d.Period * 1000;
      const data = aggregate(store, findSeries(store, d), start, end, d.Period, d.Statistic);
      let next: AlarmState["StateValue"];
      let reason: string;
      const points = data.values.map((v, i) => `${Math.round(v * 100) / 100} (${fmtTime(data.timestamps[i]!)})`).reverse();
      const breaching = data.values.filter((v) => breaches(d.ComparisonOperator, v, d.Threshold)).length;
      if (data.values.length < d.DatapointsToAlarm && breaching < d.DatapointsToAlarm) {
        next = "INSUFFICIENT_DATA";
        reason = `Insufficient Data: ${data.values.length} datapoint${data.values.length === 1 ? " was" : "s were"} unknown.`;
      } else if (breaching >= d.DatapointsToAlarm) {
        next = "ALARM";
        reason = `Threshold Crossed: ${breaching} out of the last ${d.EvaluationPeriods} datapoints [${points.join(", ")}] ${breaching === 1 ? "was" : "were"} ${OP_TEXT[d.ComparisonOperator]} the threshold (${d.Threshold.toFixed(1)}) (minimum ${d.DatapointsToAlarm} datapoint${d.DatapointsToAlarm === 1 ? "" : "s"} for OK -> ALARM transition).`;
      } else {
        next = "OK";
        reason = `Threshold Crossed: ${d.EvaluationPeriods - breaching} out of the last ${d.EvaluationPeriods} datapoints [${points.join(", ")}] ${d.EvaluationPeriods - breaching === 1 ? "was" : "were"} not ${OP_TEXT[d.ComparisonOperator]} the threshold (${d.Threshold.toFixed(1)}) (minimum 1 datapoint for ALARM -> OK transition).`;
      }
      if (next !== st.StateValue) {
        st.StateValue = next;
        st.StateReason = reason;
        st.StateUpdatedTimestamp = now;
        st.StateReasonData = JSON.stringify({
          version: "1.0",
          queryDate: new Date(now).toISOString().replace("Z", "+0000"),
          startDate: new Date(start).toISOString().replace("Z", "+0000"),
          statistic: d.Statistic,
          period: d.Period,
          recentDatapoints: [...data.values].reverse(),
          threshold: d.Threshold,
          evaluatedDatapoints: data.timestamps.map((t, i) => ({ timestamp: new Date(t).toISOString().replace("Z", "+0000"), sampleCount: 4, value: data.values[i] })).reverse(),
        });
      }
    }
  }

  render(st: AlarmState): Record<string, unknown> {
    const d = st.def;
    return {
      AlarmName: d.AlarmName,
      AlarmArn: alarmArn(d.AlarmName),
      AlarmDescription: d.AlarmDescription,
      AlarmConfigurationUpdatedTimestamp: Date.parse("2025-01-14T09:12:00Z") / 1000,
      ActionsEnabled: true,
      OKActions: [ALARM_TOPIC],
      AlarmActions: [ALARM_TOPIC],
      InsufficientDataActions: [],
      StateValue: st.StateValue,
      StateReason: st.StateReason,
      ...(st.StateReasonData ? { StateReasonData: st.StateReasonData } : {}),
      StateUpdatedTimestamp: st.StateUpdatedTimestamp / 1000,
      StateTransitionedTimestamp: st.StateUpdatedTimestamp / 1000,
      MetricName: d.MetricName,
      Namespace: d.Namespace,
      Statistic: d.Statistic,
      Dimensions: d.Dimensions,
      Period: d.Period,
      EvaluationPeriods: d.EvaluationPeriods,
      DatapointsToAlarm: d.DatapointsToAlarm,
      Threshold: d.Threshold,
      ComparisonOperator: d.ComparisonOperator,
      TreatMissingData: "missing",
    };
  }
}
