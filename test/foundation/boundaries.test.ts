import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

/** Every module specifier a file imports (static, dynamic and re-exports). */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s+["']([^"']+)["']/gm)) {
    found.push(m[1] ?? m[2] ?? m[3]);
  }
  return found;
}

function violations(dir: string, forbidden: (spec: string, file: string) => boolean): string[] {
  return tsFiles(join(root, dir)).flatMap((f) => imports(f).filter((s) => forbidden(s, f)).map((s) => `${relative(root, f)} imports ${s}`));
}

const resolvesInto = (spec: string, file: string, top: string) => spec.startsWith(".") && relative(root, join(file, "..", spec)).startsWith(`${top}/`);

describe("dependency boundaries", () => {
  it("src/ never imports handlers/, blocks/ or @slack/bolt", () => {
    expect(violations("src", (s, f) => s === "@slack/bolt" || s.startsWith("@slack/bolt/") || resolvesInto(s, f, "handlers") || resolvesInto(s, f, "blocks"))).toEqual([]);
  });

  it("blocks/ never imports the Slack client or Bolt", () => {
    expect(violations("blocks", (s) => s.startsWith("@slack/web-api") || s.startsWith("@slack/bolt"))).toEqual([]);
  });

  it("the import scan finds imports (so the checks above can fail)", () => {
    expect(imports(join(root, "handlers/app.ts"))).toContain("@slack/bolt");
  });
});
