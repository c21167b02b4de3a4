import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSeriesCsv, parseTimestamp } from "../../src/detect/series-csv.ts";
import { gaussian, rng } from "./synth.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const main = join(import.meta.dirname, "../../src/cli/main.ts");
const aisre = (...args: string[]) => execFileSync(process.execPath, [main, ...args], { encoding: "utf8" });

function nabCsv(n: number, spikeAt: number): string {
  const g = gaussian(rng(11));
  const lines = ["timestamp,value"];
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(2014, 3, 1) + i * 300_000).toISOString().replace("T", " ").slice(0, 19);
    lines.push(`${d},${(i === spikeAt ? 90 : 20 + g()).toFixed(3)}`);
  }
  return `${lines.join("\n")}\n`;
}

describe("aisre detect", () => {
  const dir = mkdtempSync(join(tmpdir(), "aisre-detect-"));
  const file = join(dir, "series.csv");
  writeFileSync(file, nabCsv(1200, 1000));

  it("prints timestamp,value,anomaly_score: one row per input row, in order", () => {
    const out = aisre("detect", file).trim().split("\n");
    const input = readFileSync(file, "utf8").trim().split("\n");
    expect(out[0]).toBe("timestamp,value,anomaly_score");
    expect(out).toHaveLength(input.length);
    for (let i = 1; i < input.length; i++) expect(itemAt(out, i).startsWith(`${input[i]},`)).toBe(true);
    const scores = out.slice(1).map((l) => Number(l.split(",")[2]));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(scores[1000]).toBeGreaterThan(0.6);
    expect(scores.indexOf(Math.max(...scores))).toBe(1000);
  });

  it("scores a folder into the same relative paths, and the scores are online", () => {
    const inDir = join(dir, "in");
    mkdirSync(join(inDir, "cat"), { recursive: true });
    writeFileSync(join(inDir, "cat", "a.csv"), nabCsv(1200, 1000));
    // The same series cut short: its scores must equal the prefix of the full one.
    writeFileSync(join(inDir, "cat", "b.csv"), nabCsv(1200, 1000).split("\n").slice(0, 801).join("\n"));
    const outDir = join(dir, "out");
    aisre("detect", "--in", inDir, "--out", outDir);
    expect(existsSync(join(outDir, "cat", "a.csv"))).toBe(true);
    const a = readFileSync(join(outDir, "cat", "a.csv"), "utf8")
      .trim()
      .split("\n");
    const b = readFileSync(join(outDir, "cat", "b.csv"), "utf8")
      .trim()
      .split("\n");
    expect(b).toHaveLength(801);
    expect(b).toEqual(a.slice(0, 801));
  });

  it("explains in JSON and refuses bad usage", () => {
    const json = JSON.parse(aisre("detect", file, "--json")) as Array<{ anomaly_score: number; explanation: { kind: string } }>;
    expect(json).toHaveLength(1200);
    expect(itemAt(json, 1000).explanation.kind).toBe("spike");
    expect(() => aisre("detect")).toThrow();
    expect(() => aisre("detect", "--in", dir)).toThrow();
  });

  it("parses NAB, ISO and epoch timestamps", () => {
    const t = Date.UTC(2014, 3, 10, 7, 15);
    expect(parseTimestamp("2014-04-10 07:15:00")).toBe(t);
    expect(parseTimestamp("2014-04-10 07:15:00.000000")).toBe(t);
    expect(parseTimestamp("2014-04-10T09:15:00+02:00")).toBe(t);
    expect(parseTimestamp(String(t / 1000))).toBe(t);
    expect(parseSeriesCsv("timestamp,value\n2014-04-10 07:15:00,\n2014-04-10 07:20:00,abc\n").map((r) => r.value)).toEqual([Number.NaN, Number.NaN]);
  });
});

const data = join(import.meta.dirname, "../../../shared/eval/anomaly");

describe.skipIf(!existsSync(join(data, "labels.json")))("aisre eval-anomaly on the development series", () => {
  it("beats the windowed-Gaussian baseline by a wide margin", () => {
    const out = JSON.parse(aisre("eval-anomaly", "--data", data, "--json")) as {
      detectors: Array<{ detector: string; score: number; categories: Array<{ category: string; score?: number }> }>;
    };
    const ours = out.detectors.find((d) => d.detector === "aisre");
    const baseline = out.detectors.find((d) => d.detector === "windowed-gaussian");
    expect(ours && baseline).toBeTruthy();
    expect(ours!.score).toBeGreaterThan(baseline!.score + 20);
    expect(ours!.score).toBeGreaterThan(55);
    expect(ours!.categories.map((c) => c.category)).toContain("realAWSCloudwatch");
  }, 120_000);
});
