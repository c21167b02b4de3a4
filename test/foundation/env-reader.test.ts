import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });

describe("configuration boundary", () => {
  it("src/config.ts is the only reader of process.env in product code", () => {
    const readers = ["src", "handlers", "blocks"].flatMap((d) => files(join(root, d))).filter((f) => /process\.env\b/.test(readFileSync(f, "utf8")));
    expect(readers.map((f) => relative(root, f))).toEqual(["src/config.ts"]);
  });
});
