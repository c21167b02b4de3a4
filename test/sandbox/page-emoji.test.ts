import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: the page's plain browser module has no type declarations
import { emoji } from "../../src/sandbox/web/mrkdwn.js";
import { itemAt } from "../../src/domain/indexed.ts";

/** Every `:shortcode:` the product writes into Slack text (the simulated system's own data aside). */
function shortcodesUsed(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (p.includes(join("src", "sandbox"))) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts")) for (const m of readFileSync(p, "utf8").matchAll(/(?<=["'`\s(]):([a-z][a-z0-9_+]*):(?=["'`\s])/g)) found.add(itemAt(m, 1));
    }
  };
  for (const dir of ["src", "blocks", "handlers"]) walk(join(process.cwd(), dir));
  return [...found].sort();
}

describe("the sandbox page's emoji", () => {
  it("renders every shortcode the product uses as an emoji, not as text", () => {
    const used = shortcodesUsed();
    expect(used).toEqual(expect.arrayContaining(["bust_in_silhouette", "arrow_forward", "pencil2", "rotating_light"]));
    const missing = used.filter((name) => (emoji(name) as string).startsWith(":"));
    expect(missing).toEqual([]);
  });
});
