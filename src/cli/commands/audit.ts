import { withCliStore } from "../load-config.ts";

export const summary = "audit verify: check the audit log's hash chain (exit 1 when broken); audit list [incident]: print entries";

const USAGE = "usage: aisre audit verify [--json] | aisre audit list [incident-id] [--json]\n";

/**
 * Reads the configured store (DATABASE_URL, else the PGlite folder AISRE_DATA_DIR; embedded PGlite
 * is single-process, so stop the bot first or use Postgres).
 */
export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const [verb, arg] = args.filter((a) => a !== "--json");
  if (verb !== "verify" && verb !== "list") {
    process.stderr.write(USAGE);
    return 2;
  }
  return withCliStore(async (store) => {
    if (verb === "list") {
      const entries = await store.audit.list({ incidentId: arg });
      if (json) process.stdout.write(`${JSON.stringify({ entries }, null, 2)}\n`);
      else for (const e of entries) process.stdout.write(`${String(e.seq).padStart(5)} ${e.at} ${e.actor.padEnd(12)} ${e.action.padEnd(34)} ${e.incidentId ?? "-"} ${e.target ?? ""}\n`);
      return 0;
    }
    const r = await store.audit.verify();
    if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else if (r.ok) process.stdout.write(`audit chain intact: ${r.entries} entries verified\n`);
    else process.stdout.write(`audit chain BROKEN at entry ${r.brokenAt}: ${r.reason} (${r.entries} entries checked). Entries from ${r.brokenAt} on cannot be trusted.\n`);
    return r.ok ? 0 : 1;
  });
}
