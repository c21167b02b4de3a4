import { isAppError } from "../../errors.ts";
import { loadCase } from "../../diagnose/case-reader.ts";
import { diagnose, toRanking } from "../../diagnose/engine.ts";

export const summary = "rank root-cause hypotheses for a recorded case folder (metrics.csv, case.json, graph.csv, baseline.csv)";

function usage(): number {
  process.stderr.write("usage: aisre rca <case-dir> [--json] [--limit N]\n");
  return 2;
}

export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const li = args.indexOf("--limit");
  const limit = li >= 0 ? Number(args[li + 1]) : undefined;
  const dir = args.find((a, i) => !a.startsWith("--") && !(li >= 0 && i === li + 1));
  if (!dir || (limit !== undefined && !(limit > 0))) return usage();
  try {
    const c = loadCase(dir);
    const d = diagnose({ ...c.input, options: { includeAll: json, ...(limit ? { limit } : {}) } });
    if (json) {
      process.stdout.write(`${JSON.stringify(toRanking(d))}\n`);
      return 0;
    }
    const lines: string[] = [];
    lines.push(d.headline, `verdict: ${d.uncertainty}   (${d.elapsedMs} ms)`);
    for (const n of d.notes) lines.push(`note: ${n}`);
    for (const g of d.gaps) lines.push(`gap: ${g}`);
    lines.push("");
    for (const h of d.hypotheses.slice(0, limit ?? 5)) {
      lines.push(`#${h.rank} ${h.service}  score ${h.score}  confidence ${Math.round(h.confidence * 100)} %`);
      lines.push(`   ${h.cause}`);
      for (const e of h.evidence.slice(0, 6)) lines.push(`   + [${e.kind}] ${e.source.metric ? `${e.source.metric}: ` : ""}${e.summary}`);
      for (const e of h.counterEvidence.slice(0, 3)) lines.push(`   - [${e.kind}] ${e.summary}`);
      for (const g of h.gaps) lines.push(`   ? ${g}`);
    }
    if (c.answer) lines.push("", `answer (development case): ${c.answer}`);
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } catch (e) {
    if (isAppError(e)) {
      process.stderr.write(`aisre rca: ${e.userMessage}\n`);
      return 1;
    }
    throw e;
  }
}
