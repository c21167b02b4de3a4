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
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec) found.push(spec);
  }
  return found;
}

function violations(dir: string, forbidden: (spec: string, file: string) => boolean): string[] {
  return tsFiles(join(root, dir)).flatMap((f) =>
    imports(f)
      .filter((s) => forbidden(s, f))
      .map((s) => `${relative(root, f)} imports ${s}`),
  );
}

const resolvesInto = (spec: string, file: string, top: string) => spec.startsWith(".") && relative(root, join(file, "..", spec)).startsWith(`${top}/`);

describe("dependency boundaries", () => {
  it("src/ never imports handlers/, blocks/ or @slack/bolt", () => {
    expect(violations("src", (s, f) => s === "@slack/bolt" || s.startsWith("@slack/bolt/") || resolvesInto(s, f, "handlers") || resolvesInto(s, f, "blocks"))).toEqual([]);
  });

  it("blocks/ never imports the Slack client or Bolt", () => {
    expect(violations("blocks", (s) => s.startsWith("@slack/web-api") || s.startsWith("@slack/bolt"))).toEqual([]);
  });

  it("a capability (src/<capability>) never imports the composition root (src/app); only entry points do", () => {
    const entry = (f: string) => ["src/app/", "src/cli/"].some((p) => relative(root, f).startsWith(p));
    expect(violations("src", (s, f) => !entry(f) && resolvesInto(s, f, "src/app"))).toEqual([]);
  });

  it("product code never imports the sandbox (src/sandbox); only the entry points that start it do", () => {
    // Entry points: the bot's process (handlers/app.ts) and CLI commands (`aisre sandbox`, evaluations on the simulation).
    const entry = (f: string) => relative(root, f) === "handlers/app.ts" || relative(root, f).startsWith("src/cli/");
    const product = (f: string) => !relative(root, f).startsWith("src/sandbox/") && !entry(f);
    const found = ["src", "handlers", "blocks"].flatMap((d) => violations(d, (s, f) => product(f) && resolvesInto(s, f, "src/sandbox")));
    expect(found).toEqual([]);
  });

  it("no import cycles between capabilities (src/<capability>, handlers, blocks) or between files", () => {
    const files = ["src", "handlers", "blocks"].flatMap((d) => tsFiles(join(root, d)));
    const unit = (f: string) => {
      const [top = "", sub] = relative(root, f).split("/");
      return top === "src" && sub && !sub.endsWith(".ts") ? `src/${sub}` : top === "src" ? relative(root, f) : top;
    };
    const fileEdges = new Map<string, Set<string>>();
    const unitEdges = new Map<string, Set<string>>();
    for (const f of files) {
      for (const s of imports(f)) {
        if (!s.startsWith(".")) continue;
        const target = join(f, "..", s);
        const add = (m: Map<string, Set<string>>, a: string, b: string) => a !== b && (m.get(a) ?? m.set(a, new Set()).get(a)!).add(b);
        add(fileEdges, relative(root, f), relative(root, target));
        add(unitEdges, unit(f), unit(target));
      }
    }
    expect(cycles(unitEdges)).toEqual([]);
    expect(cycles(fileEdges)).toEqual([]);
  });

  it("SQL lives only in src/store (and the sandbox's own emulators)", () => {
    const sql = /["'`]\s*(SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM)\b/;
    const outside = ["src", "handlers", "blocks"]
      .flatMap((d) => tsFiles(join(root, d)))
      .filter((f) => !["src/store/", "src/sandbox/"].some((p) => relative(root, f).startsWith(p)))
      .filter((f) => sql.test(readFileSync(f, "utf8")) || /\.transaction\(/.test(readFileSync(f, "utf8")))
      .map((f) => relative(root, f));
    expect(outside).toEqual([]);
    expect(sql.test('db.query("SELECT 1")')).toBe(true);
  });

  it("advisory-lock keys are numbered only in the one registry (src/store/locks.ts)", () => {
    const key = /\b7_?301_?\d{3}\b/;
    const outside = ["src", "handlers", "blocks"]
      .flatMap((d) => tsFiles(join(root, d)))
      .filter((f) => relative(root, f) !== "src/store/locks.ts" && key.test(readFileSync(f, "utf8")))
      .map((f) => relative(root, f));
    expect(outside).toEqual([]);
    expect(key.test("export const TOPOLOGY_LEADER_LOCK = 7_301_207;")).toBe(true);
  });

  it("the import scan finds imports and the cycle check finds cycles (so the checks above can fail)", () => {
    expect(imports(join(root, "handlers/app.ts"))).toContain("@slack/bolt");
    expect(
      cycles(
        new Map([
          ["a", new Set(["b"])],
          ["b", new Set(["c"])],
          ["c", new Set(["a"])],
          ["d", new Set(["a"])],
        ]),
      ),
    ).toEqual([["a", "b", "c"]]);
  });
});

/** Strongly connected components with more than one member (Tarjan), each sorted. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}
