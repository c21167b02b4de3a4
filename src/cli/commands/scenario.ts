import { loadConfig } from "../../config.ts";

export const summary = "inject a fault into the running sandbox: scenario <name> [--stop] | --list [--json]";

/** Talks to the running sandbox's control API (`npm start` must be running). */
export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const rest = args.filter((a) => !a.startsWith("--"));
  const config = loadConfig();
  const base = config.env.AISRE_SANDBOX_URL ?? `http://127.0.0.1:${config.sandboxPort}`;
  const out = (v: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(v, null, 2)}\n` : `${text}\n`);
  try {
    const [name] = rest;
    if (args.includes("--list") || name === undefined) {
      const res = await fetch(`${base}/sandbox/scenarios`);
      const body = (await res.json()) as { scenarios?: Array<{ name: string; description: string }> };
      out(body, (body.scenarios ?? []).map((s) => `${s.name.padEnd(20)} ${s.description}`).join("\n"));
      return res.ok ? 0 : 1;
    }
    const res = await fetch(`${base}/sandbox/scenarios/${encodeURIComponent(name)}`, { method: args.includes("--stop") ? "DELETE" : "POST" });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      process.stderr.write(`aisre scenario: ${res.status} ${JSON.stringify(body)}\n`);
      return 1;
    }
    out(body, args.includes("--stop") ? `stopped ${name}` : `started ${name}: ${String((body.scenario as { description?: string } | undefined)?.description ?? "")}`);
    return 0;
  } catch (e) {
    process.stderr.write(`aisre scenario: cannot reach the sandbox at ${base} (${e instanceof Error ? e.message : String(e)}). Is "npm start" running?\n`);
    return 1;
  }
}
