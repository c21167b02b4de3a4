import { describe, expect, it } from "vitest";
import { alertQuery, stripInstanceDetail } from "../../src/knowledge/alert-query.ts";
import { KbRanker, leadParagraph } from "../../src/knowledge/ranking.ts";
import { loadRetrievalSet, retrievalFigures } from "../../src/knowledge/retrieval-eval.ts";
import { loadRunbookDir, parseRunbook, runbookToKbEntry } from "../../src/knowledge/runbook.ts";
import { candidateNames, terms } from "../../src/knowledge/text-terms.ts";
import type { KbEntry } from "../../src/store/repos/knowledge.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const runbooksDir = new URL("../../runbooks/", import.meta.url).pathname;
const shipped = (): KbEntry[] => loadRunbookDir(runbooksDir).runbooks.map(runbookToKbEntry);

/** A plain-markdown runbook as public collections write them: heading = alert name. */
function plain(name: string, text: string): KbEntry {
  return runbookToKbEntry(parseRunbook(`# ${name}\n\n## Meaning\n\n${text}\n`, `${name}.md`));
}

describe("search terms", () => {
  it("splits camelCase names but keeps the whole word, stems and drops stop words", () => {
    expect(terms("OOMKilled")).toEqual(["oomkil", "oom", "kill"]);
    expect(terms("pods oomkilled in the namespace")).toEqual(["pod", "oomkil", "namespac"]);
    expect(terms("KubePodCrashLooping")).toContain("crash");
  });

  it("finds names written whole or as words", () => {
    expect(candidateNames("alert Kube Pod Crash Looping fired")).toContain("kubepodcrashlooping");
    expect(candidateNames("KubePodCrashLooping: pod restarts")).toContain("kubepodcrashlooping");
  });
});

describe("alert query", () => {
  it("strips hostnames, IPs, pod hashes, hex ids and numbers but keeps workload names", () => {
    expect(stripInstanceDetail("Pod payments-7d9f8b6c5d-x2k9p OOMKilled on ip-10-0-1-23.ec2.internal (10.0.1.23:9100) at 93.5%")).toBe("Pod payments OOMKilled on ( ) at");
    expect(stripInstanceDetail("virt-handler-x7k2p not ready; kube-proxy and redis-cache fine; commit 3f2a9b1c")).toBe("virt-handler not ready; kube-proxy and redis-cache fine; commit");
    expect(stripInstanceDetail("5xx above {{ $value }} on ec2")).toBe("5xx above on ec2");
  });

  it("builds the query from the name, the telling labels and the annotations, not the location", () => {
    const q = alertQuery({
      name: "ContainerOOMKilled",
      summary: "Container api in pod checkout-5d8f7c9b6-2xk4p was OOM killed",
      description: "exit code 137 on node worker-3.prod.example.com",
      labels: { alertname: "ContainerOOMKilled", reason: "OOMKilled", pod: "checkout-5d8f7c9b6-2xk4p", instance: "10.1.2.3:8080", namespace: "shop" },
    });
    expect(q).toBe("ContainerOOMKilled. OOMKilled. Container api in pod checkout was OOM killed. exit code on node");
  });
});

describe("field-aware ranking", () => {
  it('ranks "OOMKilled containers" first for "pods oomkilled"', () => {
    const hits = new KbRanker(shipped()).rank("pods oomkilled");
    expect(itemAt(hits, 0).id).toBe("runbook:oom-memory-leak");
    expect(itemAt(hits, 1).id).toBe("runbook:crash-loop");
  });

  it("an alert name written in the query beats a long generic runbook that repeats its words", () => {
    const generic = plain("ApiErrorBudgetBurn", `${"The API server is burning its error budget: requests fail, pods restart, volumes fill, latency rises. ".repeat(40)}`);
    const target = plain("VolumeFillingUp", "A persistent volume is almost full.");
    const other = plain("VolumeInodesLow", "A persistent volume runs out of inodes.");
    const ranker = new KbRanker([generic, target, other]);
    const hits = ranker.rank("VolumeFillingUp: the API server volume is filling up, requests fail, error budget burn");
    expect(hits[0]).toMatchObject({ id: "runbook:volumefillingup", matched: ["exact name"] });
    // The same words without the name: the text decides.
    expect(itemAt(ranker.rank("persistent volume almost full"), 0).id).toBe("runbook:volumefillingup");
  });

  it("weights the title above the body (same words, different fields)", () => {
    const inTitle = runbookToKbEntry(parseRunbook("# Certificate expiry\n\nRenew it.\n", "a.md"));
    const inBody = runbookToKbEntry(parseRunbook("# TLS handshakes\n\nThe certificate expiry date is near; renew it.\n", "b.md"));
    expect(new KbRanker([inBody, inTitle]).rank("certificate expiry")[0]?.id).toBe("runbook:a");
  });

  it("saturates repeated terms and normalises by length", () => {
    const spam = runbookToKbEntry(parseRunbook(`# Notes\n\n${"queue ".repeat(300)}\n`, "spam.md"));
    const focused = runbookToKbEntry(parseRunbook("# Consumers\n\nThe queue backlog grows: consumers lag behind.\n", "focused.md"));
    expect(new KbRanker([spam, focused]).rank("queue backlog consumers lag")[0]?.id).toBe("runbook:focused");
  });

  it("filters by kind", () => {
    const pm: KbEntry = { id: "postmortem:INC-1", kind: "postmortem", title: "Postmortem: checkout OOMKilled", body: "checkout pods oomkilled after v2", meta: { services: ["checkout"], rootCause: "memory leak in v2" } };
    const ranker = new KbRanker([...shipped(), pm]);
    expect(ranker.rank("checkout oomkilled", { kinds: ["postmortem"] }).map((h) => h.id)).toEqual(["postmortem:INC-1"]);
  });

  it("takes the lead paragraph under a Meaning heading", () => {
    expect(leadParagraph("# X\n\n## Meaning\n\nThe disk\nis full.\n\n## Impact\n\nWrites fail.")).toBe("The disk is full.");
    expect(leadParagraph("# X\n\nFirst paragraph here.\n\nSecond.")).toBe("First paragraph here.");
  });

  it("meets recall@1 >= 0.9 on the in-repository development set", () => {
    const set = loadRetrievalSet(new URL("../../eval/kb/aisre.json", import.meta.url).pathname);
    const ranker = new KbRanker(shipped());
    const ranks = set.queries.map((q) => ranker.rank("text" in q ? q.text : alertQuery(q.alert)).findIndex((h) => h.id === `runbook:${q.expected}`) + 1);
    const f = retrievalFigures(ranks);
    expect(f.queries).toBe(24);
    expect(f.recall1).toBeGreaterThanOrEqual(0.9);
  });
});

describe("retrieval figures", () => {
  it("computes recall@k and MRR from ranks (0 = not found)", () => {
    expect(retrievalFigures([1, 2, 4, 0])).toEqual({ queries: 4, recall1: 0.25, recall3: 0.5, mrr: 0.4375 });
  });
});
