import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadMigrations } from "./migrate.ts";

const packageRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Names a migrated, empty embedded database: PGlite's version and every migration's text. A changed
 * migration or a PGlite upgrade gives a new name, so a template is never older than the code.
 */
export function templateKey(): string {
  const pglite = JSON.parse(readFileSync(join(packageRoot, "node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string };
  return createHash("sha256").update(pglite.version).update(JSON.stringify(loadMigrations())).digest("hex").slice(0, 16);
}

/**
 * Where the product keeps the template a first start copies instead of creating a database (initdb
 * and every migration, several seconds): beside the installed packages (node_modules/.cache), made
 * by `npm install` (postinstall → `aisre prepare`), by the image build, or else by the first start.
 */
export function embeddedTemplateFile(key = templateKey()): string {
  return join(packageRoot, "node_modules/.cache/aisre", `pglite-${key}.tar`);
}

/** The template's bytes when it exists (and is readable). */
export function readTemplate(path: string): Blob | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return new Blob([readFileSync(path)]);
  } catch {
    return undefined;
  }
}

/**
 * Writes a dump as the template. Concurrent writers each write their own file before the atomic
 * rename; templates of other migrations or PGlite versions in the folder (40 MB each) are removed.
 * False (and nothing left behind) when the folder is not writable, e.g. a read-only image.
 */
export async function writeTemplate(path: string, dump: Blob): Promise<boolean> {
  const partial = `${path}.${randomUUID()}.partial`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
    const dir = dirname(path);
    for (const f of readdirSync(dir)) if (/^pglite-[0-9a-f]{16}\.tar$/.test(f) && f !== basename(path)) rmSync(join(dir, f), { force: true });
    return true;
  } catch {
    rmSync(partial, { force: true });
    return false;
  }
}
