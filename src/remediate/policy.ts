import { DEFAULT_LIMITS, DEFAULT_VERIFICATION, type PolicyFile, type PolicyWindow } from "./policy-schema.ts";
import { AUTONOMY_LEVELS, type Autonomy, type PolicyDecision, type Risk } from "./types.ts";
import { itemAt } from "../domain/indexed.ts";

/**
 * Resolving the policy for one action: defaults, then every matching rule in file order (a later
 * rule overrides an earlier one field by field), then time windows that cap autonomy. Pure.
 */

export interface PolicyQuery {
  type: string;
  service: string;
  environment: string;
  /** The catalog's risk and reversibility for this action type. */
  risk: Risk;
  reversible: boolean;
  /** Epoch ms: which time windows apply. */
  at: number;
}

const rank = (a: Autonomy) => AUTONOMY_LEVELS.indexOf(a);

function globMatch(patterns: string[] | undefined, value: string): boolean {
  if (!patterns) return true;
  return patterns.some(
    (p) =>
      p === "*" ||
      p === value ||
      (p.includes("*") &&
        new RegExp(
          `^${p
            .split("*")
            .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
        ).test(value)),
  );
}

type Match = { action?: string[]; service?: string[]; environment?: string[] };
const matches = (m: Match, q: PolicyQuery) => globMatch(m.action, q.type) && globMatch(m.service, q.service) && globMatch(m.environment, q.environment);

const describeMatch = (m: Match) =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${(v as string[]).join("|")}`)
    .join(", ") || "everything";

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** The window's local day and time at `at`. */
function localTime(at: number, timeZone: string): { day: string; minutes: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(at));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return { day: get("weekday").toLowerCase().slice(0, 3), minutes: Number(get("hour")) * 60 + Number(get("minute")) };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Is the window open at `at`? An overnight window (22:00–06:00) belongs to the day it starts. */
export function windowActive(w: PolicyWindow, at: number): boolean {
  const { day, minutes } = localTime(at, w.timezone);
  const from = toMinutes(w.from);
  const to = toMinutes(w.to);
  const days = w.days as string[];
  if (from <= to) return days.includes(day) && minutes >= from && minutes < to;
  if (minutes >= from) return days.includes(day);
  const yesterday = itemAt(DAYS, (DAYS.indexOf(day as (typeof DAYS)[number]) + 6) % 7);
  return minutes < to && days.includes(yesterday);
}

export interface ResolvedPolicy extends PolicyDecision {
  risk: Risk;
}

export function decide(policy: PolicyFile, q: PolicyQuery): ResolvedPolicy {
  const risk: Risk = policy.actions[q.type]?.risk ?? q.risk;
  const riskiest = risk === "caution" && !q.reversible;
  const d: ResolvedPolicy = {
    risk,
    autonomy: policy.defaults.autonomy,
    forbidden: risk === "forbidden",
    approvers: [...policy.defaults.approvers],
    requiredApprovals: riskiest ? policy.defaults.riskiestApprovals : policy.defaults.requiredApprovals,
    limits: { ...DEFAULT_LIMITS, ...policy.limits },
    verification: { ...DEFAULT_VERIFICATION, ...policy.verification },
    because: [`default: ${policy.defaults.autonomy}${riskiest ? `, ${policy.defaults.riskiestApprovals} approvers (irreversible, caution)` : ""}`],
  };
  if (policy.actions[q.type]) d.because.push(`${q.type} is declared ${risk}`);
  policy.rules.forEach((rule, i) => {
    if (!matches(rule.match, q)) return;
    if (rule.autonomy) d.autonomy = rule.autonomy;
    if (rule.forbidden !== undefined) d.forbidden = rule.forbidden || risk === "forbidden";
    if (rule.approvers) d.approvers = [...rule.approvers];
    if (rule.requiredApprovals) d.requiredApprovals = rule.requiredApprovals;
    if (rule.limits) d.limits = { ...d.limits, ...rule.limits };
    if (rule.verification) d.verification = { ...d.verification, ...rule.verification };
    const what = [rule.autonomy, rule.forbidden ? "forbidden" : "", rule.requiredApprovals ? `${rule.requiredApprovals} approvers` : ""].filter(Boolean).join(", ");
    d.because.push(`rule ${i + 1} (${describeMatch(rule.match)})${what ? `: ${what}` : ""}`);
  });
  for (const w of policy.windows) {
    if (!matches(w.match, q) || !windowActive(w, q.at)) continue;
    if (rank(d.autonomy) > rank(w.maxAutonomy)) {
      d.autonomy = w.maxAutonomy;
      d.because.push(`inside the "${w.name}" window (${w.from}–${w.to} ${w.timezone}): at most ${w.maxAutonomy}`);
    }
  }
  return d;
}
