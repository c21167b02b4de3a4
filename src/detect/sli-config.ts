import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { itemAt } from "../domain/indexed.ts";

/**
 * `slis.yaml`: the service level indicators polled for early detection, per service.
 *
 *   defaults:                       # optional, applies to every service and SLI
 *     sensitivity: medium           # low | medium | high, or a score threshold in (0, 1)
 *     quietHours: { start: "22:00", end: "07:00", timezone: "Europe/Paris" }
 *     page: false                   # anomalies never page unless this is true
 *   services:
 *     checkout:
 *       sensitivity: high
 *       slis:
 *         - name: p99-latency
 *           direction: up           # up | down | both (default both)
 *           prometheus:
 *             query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout"}[5m])))
 *         - name: cpu
 *           cloudwatch:
 *             namespace: AWS/EC2
 *             metricName: CPUUtilization
 *             dimensions: { InstanceId: i-0abc }
 *             stat: Average
 *             period: 60
 */

const sensitivitySchema = z.union([z.enum(["low", "medium", "high"]), z.number().gt(0, { error: "a numeric sensitivity is a score threshold in (0, 1)" }).lt(1, { error: "a numeric sensitivity is a score threshold in (0, 1)" })]);
export type Sensitivity = z.infer<typeof sensitivitySchema>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time of day as "HH:MM" (24 h)' });
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const quietHoursSchema = z.strictObject({
  start: hhmm,
  end: hhmm,
  timezone: z.string().refine(validTimeZone, { error: "expected an IANA time zone such as UTC or Europe/Paris" }).default("UTC"),
  /** Days (of the quiet period's start) it applies to; every day when absent. */
  days: z.array(z.enum(DAYS)).optional(),
});
export type QuietHours = z.infer<typeof quietHoursSchema>;

const prometheusSchema = z.strictObject({
  query: z.string().trim().min(1, { error: "expected a PromQL query" }),
  /** query_range step in seconds (default 60). */
  step: z.number().int().positive().optional(),
});

const dimensionsSchema = z
  .union([z.record(z.string().min(1), z.string()), z.array(z.strictObject({ Name: z.string().min(1), Value: z.string() })), z.array(z.strictObject({ name: z.string().min(1), value: z.string() }))])
  .default({})
  .transform((d): Array<{ name: string; value: string }> => {
    if (!Array.isArray(d)) return Object.entries(d).map(([name, value]) => ({ name, value }));
    return d.map((x) => ("Name" in x ? { name: x.Name, value: x.Value } : { name: x.name, value: x.value }));
  })
  .refine((d) => d.length <= 30, { error: "CloudWatch allows at most 30 dimensions per metric" });

const cloudwatchSchema = z.strictObject({
  namespace: z.string().min(1).max(255),
  metricName: z.string().min(1).max(255),
  dimensions: dimensionsSchema,
  stat: z
    .string()
    .regex(/^(Average|Sum|Minimum|Maximum|SampleCount|IQM|(p|tm|tc|ts|wm|PR|TM|TC|TS)\(?[\d.:%]+\)?)$/, {
      error: "expected a CloudWatch statistic: Average, Sum, Minimum, Maximum, SampleCount, IQM or a percentile such as p99",
    })
    .default("Average"),
  /** Seconds: 1, 5, 10, 30 (high resolution) or a multiple of 60. */
  period: z
    .number()
    .int()
    .refine((p) => [1, 5, 10, 30].includes(p) || (p >= 60 && p % 60 === 0), { error: "expected a period of 1, 5, 10, 30 or a multiple of 60 seconds" })
    .default(60),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "expected an AWS region such as us-east-1" })
    .optional(),
  unit: z.string().optional(),
});
export type CloudWatchSli = z.infer<typeof cloudwatchSchema>;

const overridable = {
  sensitivity: sensitivitySchema.optional(),
  quietHours: z.union([quietHoursSchema, z.null()]).optional(),
  page: z.boolean().optional(),
  /** Smallest |deviation| (series unit) worth a finding: a surprising but tiny change is not reported. */
  minDeviation: z.number().nonnegative().optional(),
  /** Smallest |deviation| as a fraction of |baseline| (0.1 = 10 %) worth a finding. */
  minRelativeDeviation: z.number().nonnegative().optional(),
};

const sliSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, { error: "expected an SLI name of letters, digits, _ . : - (at most 100)" }),
    direction: z.enum(["up", "down", "both"]).default("both"),
    unit: z.string().optional(),
    ...overridable,
    prometheus: prometheusSchema.optional(),
    cloudwatch: cloudwatchSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const n = (s.prometheus ? 1 : 0) + (s.cloudwatch ? 1 : 0);
    if (n !== 1) ctx.addIssue({ code: "custom", message: "each SLI needs exactly one source: prometheus: { query } or cloudwatch: { namespace, metricName, ... }" });
  });

const serviceSchema = z.strictObject({
  ...overridable,
  slis: z.array(sliSchema).min(1, { error: "a service needs at least one SLI" }),
});

export const sliFileSchema = z
  .strictObject({
    defaults: z.strictObject(overridable).default({}),
    services: z.record(z.string().regex(/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i, { error: "expected a service name" }), serviceSchema).default({}),
  })
  .superRefine((f, ctx) => {
    for (const [service, s] of Object.entries(f.services)) {
      const seen = new Set<string>();
      for (const sli of s.slis) {
        if (seen.has(sli.name)) ctx.addIssue({ code: "custom", path: ["services", service, "slis"], message: `duplicate SLI name "${sli.name}"` });
        seen.add(sli.name);
      }
    }
  });
export type SliFile = z.infer<typeof sliFileSchema>;

export type SliSource = { kind: "prometheus"; query: string; stepSeconds: number } | ({ kind: "cloudwatch" } & CloudWatchSli);

/** One SLI with every setting resolved (SLI over service over defaults). */
export interface ResolvedSli {
  /** "<service>/<sli>": the series key. */
  key: string;
  service: string;
  name: string;
  source: SliSource;
  direction: "up" | "down" | "both";
  unit?: string;
  sensitivity: Sensitivity;
  /** Score at or above which an anomaly becomes a finding. */
  threshold: number;
  quietHours?: QuietHours;
  page: boolean;
  /** Findings need |deviation| >= max(minDeviation, minRelativeDeviation * |baseline|) (both optional). */
  minDeviation?: number;
  minRelativeDeviation?: number;
}

/** Score thresholds for the named sensitivities (score = 1 - exp(-surprise / 10)). */
export const SENSITIVITY_THRESHOLDS: Record<"low" | "medium" | "high", number> = { low: 0.75, medium: 0.6, high: 0.45 };

export function thresholdFor(s: Sensitivity): number {
  return typeof s === "number" ? s : SENSITIVITY_THRESHOLDS[s];
}

export class SliConfigError extends Error {
  readonly issues: string[];
  constructor(source: string, issues: string[]) {
    super(`${source}: ${issues.join("; ")}`);
    this.name = "SliConfigError";
    this.issues = issues;
  }
}

/** Validate a parsed slis.yaml document and resolve every SLI. */
export function parseSliConfig(doc: unknown, source = "slis.yaml"): ResolvedSli[] {
  const parsed = sliFileSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    throw new SliConfigError(
      source,
      parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`),
    );
  }
  const f = parsed.data;
  const out: ResolvedSli[] = [];
  for (const [service, s] of Object.entries(f.services)) {
    for (const sli of s.slis) {
      const sensitivity = sli.sensitivity ?? s.sensitivity ?? f.defaults.sensitivity ?? "medium";
      const quiet = pick(sli.quietHours, s.quietHours, f.defaults.quietHours);
      const source: SliSource = sli.prometheus ? { kind: "prometheus", query: sli.prometheus.query, stepSeconds: sli.prometheus.step ?? 60 } : { kind: "cloudwatch", ...(sli.cloudwatch as CloudWatchSli) };
      out.push({
        key: `${service}/${sli.name}`,
        service,
        name: sli.name,
        source,
        direction: sli.direction,
        unit: sli.unit ?? (source.kind === "cloudwatch" ? source.unit : undefined),
        sensitivity,
        threshold: thresholdFor(sensitivity),
        quietHours: quiet,
        page: sli.page ?? s.page ?? f.defaults.page ?? false,
        ...optional("minDeviation", sli.minDeviation ?? s.minDeviation ?? f.defaults.minDeviation),
        ...optional("minRelativeDeviation", sli.minRelativeDeviation ?? s.minRelativeDeviation ?? f.defaults.minRelativeDeviation),
      });
    }
  }
  return out;
}

function optional<K extends string>(k: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, number>);
}

/** First defined value; an explicit null switches an inherited value off. */
function pick<T>(...vals: Array<T | null | undefined>): T | undefined {
  for (const v of vals) {
    if (v === null) return undefined;
    if (v !== undefined) return v;
  }
  return undefined;
}

export function parseSliYaml(text: string, source = "slis.yaml"): ResolvedSli[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new SliConfigError(source, [`not valid YAML: ${(e as Error).message}`]);
  }
  return parseSliConfig(doc, source);
}

/** Read and resolve a slis.yaml file (no file: no SLI). */
export function loadSliConfig(file: string | undefined): ResolvedSli[] {
  if (!file) return [];
  return parseSliYaml(readFileSync(file, "utf8"), file);
}

const WEEKDAY: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Local weekday (0 = Monday) and minute of day of `atMs` in `timeZone`. */
export function localClock(atMs: number, timeZone: string): { weekday: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", weekday: "short", hour: "2-digit", minute: "2-digit" }).formatToParts(new Date(atMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return { weekday: WEEKDAY[get("weekday")] ?? 0, minute: Number(get("hour")) * 60 + Number(get("minute")) };
}

/** Whether `atMs` falls in the quiet hours (a period may wrap past midnight; `days` name the day it starts). */
export function inQuietHours(q: QuietHours | undefined, atMs: number): boolean {
  if (!q) return false;
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const start = toMin(q.start);
  const end = toMin(q.end);
  if (start === end) return false;
  const { weekday, minute } = localClock(atMs, q.timezone);
  const dayOk = (d: number) => !q.days || q.days.includes(itemAt(DAYS, ((d % 7) + 7) % 7));
  if (start < end) return minute >= start && minute < end && dayOk(weekday);
  // Wraps midnight: the evening part belongs to today, the morning part to yesterday's period.
  if (minute >= start) return dayOk(weekday);
  if (minute < end) return dayOk(weekday - 1);
  return false;
}
