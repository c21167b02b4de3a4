import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { faultMetrics, summarise, type FaultMetrics } from "../../eval/incidents/metrics.ts";
import { evalPlans, FULL_OPTIONS, SHORT_OPTIONS, SHORT_PLANS } from "../../eval/incidents/plans.ts";
import { REFERENCE_START } from "../../sandbox/sim/reference-start.ts";
import { runOne, type RunnerOptions } from "../../eval/incidents/runner.ts";

export const summary = "eval incidents [--short] [--seeds 1,2,3] [--speed 60] [--start 2025-03-10T18:00:00Z] [--scenarios a,b] [--no-combos] [--runs id,…] [--save dir] [--keep-data] [--json]: every scenario through the whole product and sandbox";

const opt = (args: string[], name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const yes = (b: boolean) => (b ? "yes" : "NO");

function line(m: FaultMetrics): string {
  return [
    m.run.padEnd(44),
    m.scenario.padEnd(18),
    `cause ${yes(m.rightCause)} (${m.causeShown ?? "-"})`.padEnd(30),
    `remedy ${yes(m.rightRemedy)} (${m.firstRemedy ?? "-"})`.padEnd(40),
    `${(m.maxSeverity ?? "-").toUpperCase()} paged ${m.paged ? "yes" : "no"}${m.missedPage ? " MISSED" : ""}`.padEnd(18),
    `msgs30 ${m.messages30}`.padEnd(10),
    `reopens ${m.reopens}`.padEnd(10),
    `incidents ${m.incidents}${m.merged ? ` (+${m.merged} merged)` : ""}`.padEnd(24),
    `card ${m.minutesToCard ?? "-"} min, diagnosis ${m.minutesToDiagnosis ?? "-"} min`.padEnd(34),
    m.resolved ? `stale ${m.staleFields.length}` : "unresolved",
  ].join(" ");
}

/** `aisre eval incidents`: runs the scenarios through the product and prints per-run metrics and the targets. */
export async function run(args: string[]): Promise<number> {
  const [what] = args.filter((a) => !a.startsWith("-"));
  if (what !== "incidents" || args.includes("--help") || args.includes("-h")) {
    process.stderr.write("usage: aisre eval incidents [--short] [--seeds 1,2,3] [--speed 60] [--start 2025-03-10T18:00:00Z] [--scenarios a,b] [--no-combos] [--runs id,…] [--save dir] [--keep-data] [--json]\n");
    return what === "incidents" ? 0 : 2;
  }
  const json = args.includes("--json");
  const short = args.includes("--short");
  const seeds = (opt(args, "--seeds") ?? "1,2,3").split(",").map(Number).filter(Number.isFinite);
  const scenarios = opt(args, "--scenarios")?.split(",");
  // --runs: only the runs whose id contains one of these (e.g. "overlap", "disk-full#3").
  const only = opt(args, "--runs")?.split(",").filter(Boolean);
  const plans = (short ? SHORT_PLANS : evalPlans({ seeds, scenarios, combos: !args.includes("--no-combos") })).filter((p) => !only || only.some((o) => p.id.includes(o)));
  const base = short ? SHORT_OPTIONS : FULL_OPTIONS;
  const speed = Number(opt(args, "--speed") ?? base.speed);
  const options: RunnerOptions = { ...base, speed, simStart: opt(args, "--start") ?? REFERENCE_START, keepData: args.includes("--keep-data"), log: json ? undefined : (l) => process.stderr.write(`${l}\n`) };
  const records = [];
  const metrics: FaultMetrics[] = [];
  for (const plan of plans) {
    if (!json) process.stderr.write(`run ${plan.id} (SIM_SPEED=${speed}, seed ${plan.seed})\n`);
    const r = await runOne(plan, options);
    records.push(r);
    const save = opt(args, "--save");
    if (save) {
      // Every run's channel as it ended (root cards, thread replies with the minute each appeared), to read afterwards.
      mkdirSync(save, { recursive: true });
      writeFileSync(join(save, `${plan.id.replace(/[^\w.+-]+/g, "_")}.json`), JSON.stringify(r, null, 2));
    }
    const m = faultMetrics(r);
    metrics.push(...m);
    if (!json) for (const x of m) process.stdout.write(`${line(x)}\n`);
    if (!json) process.stderr.write(`  ${plan.id}: ${r.simMinutes} simulated minutes${r.errors.length ? `; ${r.errors.join("; ")}` : ""}\n`);
  }
  const s = summarise(records, metrics);
  if (json) {
    process.stdout.write(`${JSON.stringify({ speed, runs: records.map((r) => ({ id: r.id, kind: r.kind, seed: r.seed, simMinutes: r.simMinutes, errors: r.errors })), metrics, summary: s }, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        "",
        `runs ${s.runs}, faults ${s.faults}`,
        `right cause ranked first: ${s.rightCause}/${s.faults}    right first remedy: ${s.rightRemedy}/${s.faults}`,
        `missed pages: ${s.missedPages}    extra pages: ${s.extraPages}    max bot messages in 30 min: ${s.maxMessages30} (target ≤ 12)`,
        `max reopens: ${s.maxReopens} (target ≤ 1)    one incident per fault: ${s.incidentsPerFaultOk}/${s.faults}    stale fields after resolve: ${s.staleFields}    unresolved: ${s.unresolved}`,
        s.meetsTargets ? "targets: met" : `targets: NOT met\n  ${s.failures.join("\n  ")}`,
        "",
      ].join("\n"),
    );
  }
  return s.meetsTargets ? 0 : 1;
}
