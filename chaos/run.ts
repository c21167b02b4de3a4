import { cardStorm, databaseRefuses, formatTable, FULL, killMidStorm, renderAfterKill, restartUnderBacklog, SHORT, slackOutage, threeReplicasOneKilled } from "./cases.ts";
import type { ChaosRow } from "./harness.ts";

/**
 * `npm run chaos [-- --short] [case ...]`: injects each fault into running bot processes (a shared
 * `aisre sandbox`, replicas on PGlite or on scratch databases beside TEST_DATABASE_URL) and prints,
 * per fault, accepted / refused / lost / duplicated / seconds to recover.
 */
const args = process.argv.slice(2);
const scale = args.includes("--short") ? SHORT : FULL;
const only = args.filter((a) => !a.startsWith("--"));
const admin = process.env.TEST_DATABASE_URL;

const cases: Array<[string, () => Promise<ChaosRow>]> = [
  ["kill-pglite", () => killMidStorm("pglite", scale)],
  ["render-kill", () => renderAfterKill(scale, admin)],
  ...(admin
    ? ([
        ["kill-postgres", () => killMidStorm("postgres", scale, admin)],
        ["db-refuses", () => databaseRefuses(scale, admin)],
        ["slack-5xx", () => slackOutage("5xx", scale, admin)],
        ["slack-429", () => slackOutage("429", scale, admin)],
        ["slack-drop-response", () => slackOutage("drop-response", scale, admin)],
        ["replicas", () => threeReplicasOneKilled(scale, admin)],
        ["backlog", () => restartUnderBacklog(scale, admin)],
        ["card-storm", () => cardStorm(scale, admin)],
      ] as Array<[string, () => Promise<ChaosRow>]>)
    : []),
];
if (!admin) process.stderr.write("TEST_DATABASE_URL is not set: only the PGlite case runs (the others need a Postgres server).\n");

const rows: ChaosRow[] = [];
for (const [name, run] of cases) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`running ${name}…\n`);
  try {
    rows.push(await run());
  } catch (e) {
    rows.push({ fault: `${name}: FAILED (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`, accepted: 0, refused: 0, lost: -1, duplicated: -1, recoverSeconds: -1, recovery: "-" });
  }
  process.stderr.write(`${formatTable(rows.slice(-1))}\n`);
}
process.stdout.write(`\n${formatTable(rows)}\n`);
process.exitCode = rows.every((r) => r.lost === 0 && r.duplicated === 0) ? 0 : 1;
