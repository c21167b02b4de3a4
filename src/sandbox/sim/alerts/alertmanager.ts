import type { ActiveAlert } from "./engine.ts";

export interface AlertmanagerConfig {
  receiver: string;
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  externalUrl: string;
  /** Builds an alert's generatorURL from its expression. */
  generatorUrl: (expr: string) => string;
}

interface GroupAlert {
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt?: number;
  generatorURL: string;
  fingerprint: string;
  /** The status last sent to the receiver. */
  notified?: "firing" | "resolved";
}

interface Group {
  key: string;
  labels: Record<string, string>;
  alerts: Map<string, GroupAlert>;
  nextFlushAt: number;
  lastNotifyAt?: number;
  lastHash?: string;
}

/** Alertmanager webhook payload, version 4. */
export interface WebhookPayload {
  version: "4";
  groupKey: string;
  truncatedAlerts: number;
  status: "firing" | "resolved";
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Array<{ status: "firing" | "resolved"; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string; fingerprint: string }>;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

function common(maps: Array<Record<string, string>>): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return out;
}

/** Groups alerts like Alertmanager (group_by, group_wait, group_interval, repeat_interval) and builds webhook payloads. */
export class AlertGrouper {
  private readonly groups = new Map<string, Group>();
  private readonly cfg: AlertmanagerConfig;

  constructor(cfg: AlertmanagerConfig) {
    this.cfg = cfg;
  }

  private groupOf(labels: Record<string, string>, now: number): Group {
    const groupLabels: Record<string, string> = {};
    for (const k of this.cfg.groupBy) if (labels[k] !== undefined) groupLabels[k] = labels[k]!;
    const key = `{}:{${Object.keys(groupLabels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`)
      .join(", ")}}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { key, labels: groupLabels, alerts: new Map(), nextFlushAt: now + this.cfg.groupWaitMs };
      this.groups.set(key, g);
    }
    return g;
  }

  /** Takes the rule engine's current alerts (firing and recently resolved). */
  ingest(alerts: ActiveAlert[], now: number): void {
    for (const a of alerts) {
      if (a.state === "pending") continue;
      const g = this.groupOf(a.labels, now);
      const existing = g.alerts.get(a.fingerprint);
      if (a.state === "inactive") {
        if (existing && existing.status === "firing") {
          existing.status = "resolved";
          existing.endsAt = a.resolvedAt;
        }
        continue;
      }
      if (!existing || existing.status === "resolved") {
        g.alerts.set(a.fingerprint, {
          status: "firing",
          labels: a.labels,
          annotations: a.annotations,
          startsAt: a.firedAt ?? a.activeAt,
          generatorURL: this.cfg.generatorUrl(a.expr),
          fingerprint: a.fingerprint,
          notified: existing?.notified,
        });
        if (existing && g.nextFlushAt > now + this.cfg.groupIntervalMs) g.nextFlushAt = now;
      } else existing.annotations = a.annotations;
    }
  }

  /** Notifications due at `now`. */
  flush(now: number): WebhookPayload[] {
    const out: WebhookPayload[] = [];
    for (const [key, g] of this.groups) {
      if (now < g.nextFlushAt) continue;
      const alerts = [...g.alerts.values()].filter((a) => a.status === "firing" || a.notified === "firing");
      const hash = alerts
        .map((a) => `${a.fingerprint}:${a.status}`)
        .sort()
        .join(",");
      const anyFiring = alerts.some((a) => a.status === "firing");
      const changed = hash !== g.lastHash;
      const repeat = anyFiring && g.lastNotifyAt !== undefined && now - g.lastNotifyAt >= this.cfg.repeatIntervalMs;
      if (alerts.length > 0 && (changed || repeat)) {
        out.push(this.payload(g, alerts));
        g.lastNotifyAt = now;
        g.lastHash = hash;
        for (const a of alerts) a.notified = a.status;
      }
      for (const [fp, a] of g.alerts) if (a.status === "resolved" && a.notified !== "firing") g.alerts.delete(fp);
      g.nextFlushAt = now + this.cfg.groupIntervalMs;
      if (g.alerts.size === 0) this.groups.delete(key);
    }
    return out;
  }

  private payload(g: Group, alerts: GroupAlert[]): WebhookPayload {
    const sorted = [...alerts].sort((a, b) => a.startsAt - b.startsAt || a.fingerprint.localeCompare(b.fingerprint));
    return {
      version: "4",
      groupKey: g.key,
      truncatedAlerts: 0,
      status: sorted.some((a) => a.status === "firing") ? "firing" : "resolved",
      receiver: this.cfg.receiver,
      groupLabels: g.labels,
      commonLabels: common(sorted.map((a) => a.labels)),
      commonAnnotations: common(sorted.map((a) => a.annotations)),
      externalURL: this.cfg.externalUrl,
      alerts: sorted.map((a) => ({
        status: a.status,
        labels: a.labels,
        annotations: a.annotations,
        startsAt: rfc3339(a.startsAt),
        endsAt: a.status === "resolved" && a.endsAt !== undefined ? rfc3339(a.endsAt) : ZERO_TIME,
        generatorURL: a.generatorURL,
        fingerprint: a.fingerprint,
      })),
    };
  }
}
