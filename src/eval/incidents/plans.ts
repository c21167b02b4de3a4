import type { RunnerOptions, RunPlan } from "./runner.ts";

/** The sandbox's scenarios, each a fault with a known root cause and documented fix. */
export const SCENARIO_NAMES = ["bad-deploy", "crashloop-config", "memory-leak", "db-report-query", "disk-full", "cascading-failure"] as const;

/**
 * The eval's runs: every scenario on each seed, plus the combinations — two overlapping faults, a
 * fault right after another's resolution, and the flapping cache (cascading-failure's Redis
 * evictions) with a second real fault on top.
 */
export function evalPlans(o: { seeds: number[]; scenarios?: readonly string[]; combos: boolean }): RunPlan[] {
  const plans: RunPlan[] = [];
  for (const seed of o.seeds) {
    for (const scenario of o.scenarios ?? SCENARIO_NAMES) plans.push({ id: `${scenario}#${seed}`, kind: "single", seed, faults: [{ scenario, when: { at: 0 } }] });
    if (!o.combos) continue;
    plans.push({
      id: `overlap:bad-deploy+disk-full#${seed}`,
      kind: "overlap",
      seed,
      faults: [
        { scenario: "bad-deploy", when: { at: 0 } },
        { scenario: "disk-full", when: { at: 5 } },
      ],
    });
    plans.push({
      id: `after:memory-leak>db-report-query#${seed}`,
      kind: "after-resolution",
      seed,
      faults: [
        { scenario: "memory-leak", when: { at: 0 } },
        { scenario: "db-report-query", when: "after-previous-resolved" },
      ],
    });
    plans.push({
      id: `flapping:cascading-failure+crashloop-config#${seed}`,
      kind: "flapping+fault",
      seed,
      faults: [
        { scenario: "cascading-failure", when: { at: 0 } },
        { scenario: "crashloop-config", when: { at: 12 } },
      ],
    });
  }
  return plans;
}

/** The short version CI runs inside `npm test`: the two scenarios the browser test walks, one seed. */
export const SHORT_PLANS: RunPlan[] = evalPlans({ seeds: [1], scenarios: ["bad-deploy", "crashloop-config"], combos: false });

/**
 * The short version's pacing: a faster clock, faults stopped sooner, a bound on each run. The settle
 * outlasts the hold before the postmortem of a resolution aisre made itself (RESOLVE_HOLD_MS, 5 min).
 */
export const SHORT_OPTIONS: Omit<RunnerOptions, "simStart"> = { speed: 90, faultMinutes: 25, settleMinutes: 7, maxMinutes: 150 };

/** The full eval's pacing (its settle outlasts the postmortem's hold, as the short version's). */
export const FULL_OPTIONS: Omit<RunnerOptions, "simStart"> = { speed: 60, faultMinutes: 45, settleMinutes: 7, maxMinutes: 200 };
