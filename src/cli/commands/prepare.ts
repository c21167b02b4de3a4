import { existsSync } from "node:fs";
import { migrate } from "../../store/migrate.ts";
import { dumpMigratedDatabase } from "../../store/pglite-db.ts";
import { embeddedTemplateFile, writeTemplate } from "../../store/pglite-template.ts";

export const summary = "make the migrated embedded-database template a first start copies (run by npm install and the image build) [--quiet]";

/**
 * Makes the template a first `npm start` copies instead of creating its embedded database (PGlite's
 * initdb and every migration: several seconds). `npm install` runs it (postinstall) and the image
 * build does; without it the first start makes the template itself. Never fails an install: a
 * folder it cannot write is reported, with exit code 0.
 */
export async function run(args: string[]): Promise<number> {
  const quiet = args.includes("--quiet");
  const say = (line: string) => quiet || process.stdout.write(`${line}\n`);
  const path = embeddedTemplateFile();
  if (existsSync(path)) {
    say(`embedded-database template is current: ${path}`);
    return 0;
  }
  try {
    const dump = await dumpMigratedDatabase(migrate);
    if (await writeTemplate(path, dump)) say(`embedded-database template made: ${path}`);
    else say(`could not write ${path}; a first start will create its database (a few seconds more)`);
  } catch (e) {
    say(`could not make the embedded-database template (${e instanceof Error ? e.message : String(e)}); a first start will create its database`);
  }
  return 0;
}
