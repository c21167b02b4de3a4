import { withCliStore } from "../load-config.ts";

export const summary = "deliveries [list]: webhook deliveries parked after repeated failures; deliveries replay <id>: queue one again";

const USAGE = "usage: aisre deliveries [list] [--json] | aisre deliveries replay <delivery-id|source/delivery-id> [--json]\n";

/**
 * Reads the configured store (DATABASE_URL, else the PGlite folder AISRE_DATA_DIR; embedded PGlite
 * is single-process, so stop the bot first or use Postgres). A replayed delivery is claimed by a
 * running replica within a second, or at the next start.
 */
export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const [verb = "list", arg] = args.filter((a) => a !== "--json");
  if ((verb !== "list" && verb !== "replay") || (verb === "replay" && !arg)) {
    process.stderr.write(USAGE);
    return 2;
  }
  return withCliStore(async (store) => {
    if (verb === "list") {
      const [parked, backlog] = await Promise.all([store.deliveries.parked(), store.deliveries.backlog()]);
      if (json) {
        process.stdout.write(`${JSON.stringify({ pending: backlog.pending, parked }, null, 2)}\n`);
        return 0;
      }
      process.stdout.write(`${backlog.pending} pending, ${parked.length} parked\n`);
      for (const d of parked) process.stdout.write(`${d.source}/${d.deliveryId}  received ${d.receivedAt}  parked ${d.parkedAt}  attempts ${d.attempts}  ${d.error ?? ""}\n`);
      return 0;
    }
    // `source/id` names one delivery; a bare id matches it in any source.
    const slash = arg!.indexOf("/");
    const knownSource = slash > 0 && /^[a-z0-9-]+$/.test(arg!.slice(0, slash));
    const requeued = knownSource ? await store.deliveries.replay(arg!.slice(slash + 1), arg!.slice(0, slash)) : await store.deliveries.replay(arg!);
    if (json) process.stdout.write(`${JSON.stringify({ requeued })}\n`);
    else if (requeued.length === 0) process.stdout.write(`no parked delivery "${arg}" (see: aisre deliveries list)\n`);
    else for (const d of requeued) process.stdout.write(`requeued ${d.source}/${d.deliveryId}\n`);
    return requeued.length > 0 ? 0 : 1;
  });
}
