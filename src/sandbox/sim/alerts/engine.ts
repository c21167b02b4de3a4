import type { SeriesStore } from "../metrics/series-store.ts";
import type { Expr } from "../promql/ast.ts";
import { Evaluator } from "../promql/eval.ts";
import { parsePromQL } from "../promql/parse.ts";
import { withoutName } from "../promql/values.ts";
import type { AlertRule } from "./rules.ts";
import { expandTemplate } from "./template.ts";

export interface ActiveAlert {
  rule: AlertRule;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing" | "inactive";
  /** sim ms: when the condition first held (Prometheus' activeAt). */
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  value: number;
  fingerprint: string;
  expr: string;
}

const FNV_OFFSET = 14695981039346656037n;
const FNV_PRIME = 1099511628211n;
const MASK = (1n << 64n) - 1n;

/** Prometheus' label-set fingerprint (FNV-1a 64 over sorted name/value pairs), as 16 hex digits. */
export function fingerprint(labels: Record<string, string>): string {
  let h = FNV_OFFSET;
  const add = (s: string): void => {
    for (const b of Buffer.from(s, "utf8")) {
      h ^= BigInt(b);
      h = (h * FNV_PRIME) & MASK;
    }
  };
  for (const name of Object.keys(labels).sort()) {
    add(name);
    h ^= 255n;
    h = (h * FNV_PRIME) & MASK;
    add(labels[name]!);
    h ^= 255n;
    h = (h * FNV_PRIME) & MASK;
  }
  return h.toString(16).padStart(16, "0");
}

/** Evaluates alerting rules like Prometheus' rule manager: pending → firing after `for`, then resolved. */
export class RuleEngine {
  readonly rules: AlertRule[];
  private readonly parsed = new Map<AlertRule, Expr>();
  private readonly store: SeriesStore;
  /** Alerts by rule + labels fingerprint; resolved ones stay for 15 minutes (as Prometheus resends them). */
  readonly alerts = new Map<string, ActiveAlert>();
  lastError: string | undefined;

  constructor(store: SeriesStore, rules: AlertRule[]) {
    this.store = store;
    this.rules = rules;
    for (const r of rules) this.parsed.set(r, parsePromQL(r.expr));
  }

  evaluate(now: number): void {
    const ev = new Evaluator(this.store);
    for (const rule of this.rules) {
      let samples: Array<{ labels: Record<string, string>; v: number }> = [];
      try {
        const v = ev.eval(this.parsed.get(rule)!, now);
        samples = v.kind === "vector" ? v.samples : [];
      } catch (e) {
        this.lastError = `${rule.alert}: ${(e as Error).message}`;
      }
      const seen = new Set<string>();
      for (const s of samples) {
        const labels = { ...withoutName(s.labels), ...rule.labels, alertname: rule.alert };
        const fp = fingerprint(labels);
        seen.add(fp);
        let a = this.alerts.get(fp);
        if (!a || a.state === "inactive") {
          a = { rule, labels, annotations: {}, state: "pending", activeAt: now, value: s.v, fingerprint: fp, expr: rule.expr };
          this.alerts.set(fp, a);
        }
        a.value = s.v;
        a.annotations = Object.fromEntries(
          Object.entries(rule.annotations)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, expandTemplate(v!, labels, s.v)]),
        );
        if (a.state === "pending" && now - a.activeAt >= rule.forMs) {
          a.state = "firing";
          a.firedAt = now;
        }
      }
      for (const [fp, a] of this.alerts) {
        if (a.rule !== rule || seen.has(fp)) continue;
        if (a.state === "pending") this.alerts.delete(fp);
        else if (a.state === "firing") {
          a.state = "inactive";
          a.resolvedAt = now;
        } else if (a.resolvedAt !== undefined && now - a.resolvedAt > 15 * 60_000) this.alerts.delete(fp);
      }
    }
  }

  firing(): ActiveAlert[] {
    return [...this.alerts.values()].filter((a) => a.state === "firing");
  }
}
