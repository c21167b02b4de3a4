import { callersOf, dependenciesOf } from "../domain/topology.ts";
import type { DiscoveredTopology } from "./model.ts";

const quote = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** Graphviz DOT: one node per service, one edge per call, labelled with the sources that saw it. */
export function topologyDot(t: DiscoveredTopology): string {
  const lines = ["digraph topology {", "  rankdir=LR;", "  node [shape=box, style=rounded];"];
  for (const s of t.services) lines.push(`  ${quote(s)};`);
  for (const e of t.edges) lines.push(`  ${quote(e.from)} -> ${quote(e.to)} [label=${quote(e.sources.join(","))}];`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Plain text: each service, what it calls and what calls it, and where that was learnt. */
export function topologyText(t: DiscoveredTopology): string {
  if (t.services.length === 0) return "no services known yet (discovery has not run, or found nothing)\n";
  const width = Math.min(28, Math.max(...t.services.map((s) => s.length)));
  const lines = [`${t.services.length} services, ${t.edges.length} edges`, ""];
  for (const s of t.services) {
    const calls = dependenciesOf(t, s);
    const callers = callersOf(t, s);
    const src = t.details.find((d) => d.name === s)?.sources.join(",") ?? "";
    lines.push(`${s.padEnd(width)}  calls: ${calls.join(", ") || "-"}   called by: ${callers.join(", ") || "-"}${src ? `   [${src}]` : ""}`);
  }
  lines.push("", "edges (sources):");
  for (const e of t.edges) lines.push(`  ${e.from} -> ${e.to}  (${e.sources.join(", ")})`);
  return `${lines.join("\n")}\n`;
}
