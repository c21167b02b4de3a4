import { readFileSync } from "node:fs";

/**
 * `node --max-old-space-size=4000 bench/support/heap-sources.ts <file.heapsnapshot> [rows]`: how much
 * of a heap snapshot (e.g. the bench hook's AISRE_HEAP_SNAPSHOT_AT) is the source text of the scripts
 * the thread loaded, by package (node_modules/<package>, the product's own files, Node's built-ins),
 * with the snapshot's total (#17: which libraries a thread holds, and how much of them).
 */
interface Snapshot {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const file = process.argv[2];
if (!file) throw new Error("usage: heap-sources.ts <file.heapsnapshot> [rows]");
const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
const { node_fields: nf, edge_fields: ef, node_types, edge_types } = snap.snapshot.meta;
const [nodeTypes, edgeTypes] = [node_types[0], edge_types[0]];
const N = nf.length;
const E = ef.length;
const [iType, iName, iSize, iEdges] = ["type", "name", "self_size", "edge_count"].map((k) => nf.indexOf(k)) as [number, number, number, number];
const [eType, eName, eTo] = ["type", "name_or_index", "to_node"].map((k) => ef.indexOf(k)) as [number, number, number];
const { nodes, edges, strings } = snap;

const byPackage = new Map<string, { bytes: number; scripts: number }>();
let heap = 0;
let sources = 0;
for (let n = 0, e = 0; n < nodes.length; n += N) {
  const edgeCount = nodes[n + iEdges]!;
  heap += nodes[n + iSize]!;
  // A script is a "code" node with an internal "source" edge to its text; its name is its URL.
  if (nodeTypes[nodes[n + iType]!] === "code") {
    for (let k = e; k < e + edgeCount * E; k += E) {
      if (edgeTypes[edges[k + eType]!] !== "internal" || strings[edges[k + eName]!] !== "source") continue;
      const bytes = nodes[edges[k + eTo]! + iSize]!;
      const url = strings[nodes[n + iName]!]!;
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith("node:") ? "(node)" : /\/(src|handlers|blocks)\//.test(url) ? "(aisre)" : "(other)");
      const row = byPackage.get(pkg) ?? { bytes: 0, scripts: 0 };
      row.bytes += bytes;
      row.scripts += 1;
      byPackage.set(pkg, row);
      sources += bytes;
    }
  }
  e += edgeCount * E;
}

const mib = (b: number) => (b / 1048576).toFixed(2).padStart(7);
process.stdout.write(`heap ${mib(heap)} MiB, script sources ${mib(sources)} MiB\n`);
for (const [pkg, row] of [...byPackage].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(process.argv[3] ?? 20))) process.stdout.write(`${mib(row.bytes)} MiB ${String(row.scripts).padStart(5)} scripts  ${pkg}\n`);
