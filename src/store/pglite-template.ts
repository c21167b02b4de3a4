import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { loadMigrations } from "./migrate.ts";

const packageRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Names a migrated, empty embedded database: PGlite's version, how templates are made and every
 * migration's text. A changed migration or a PGlite upgrade gives a new name, so a template is
 * never older than the code.
 */
export function templateKey(): string {
  const pglite = JSON.parse(readFileSync(join(packageRoot, "node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string };
  return createHash("sha256").update(pglite.version).update(TEMPLATE_FORMAT).update(JSON.stringify(loadMigrations())).digest("hex").slice(0, 16);
}

/** How a template is made (2: checkpointed before its dump, see templateDump): a template of another making gets a new name. */
const TEMPLATE_FORMAT = "2";

/**
 * Where the product keeps the template a first start copies instead of creating a database (initdb
 * and every migration, several seconds): beside the installed packages (node_modules/.cache), made
 * by `npm install` (postinstall → `aisre prepare`), by the image build, or else by the first start.
 */
export function embeddedTemplateFile(key = templateKey()): string {
  return join(packageRoot, "node_modules/.cache/aisre", `pglite-${key}.tar`);
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

/**
 * Makes `dir` (which must not hold a cluster) the template's database by extracting its files: the
 * dump is a tar of the data folder, so a first start needs no database start-up to copy it — the
 * main thread then opens it like any restart. Written beside `dir` and renamed into place, so an
 * interrupted copy leaves no half-made cluster. Reads the ustar entries PGlite's dump writes
 * (folders and regular files); anything else is refused.
 */
export function extractTemplate(tar: Uint8Array, dir: string): void {
  const partial = `${dir}.${randomUUID()}.partial`;
  try {
    mkdirSync(partial, { recursive: true, mode: 0o700 });
    const text = (from: number, to: number) =>
      Buffer.from(tar.subarray(from, to))
        .toString("utf8")
        .replace(/\0[\s\S]*$/, "");
    for (let off = 0; off + 512 <= tar.length; ) {
      if (tar.subarray(off, off + 512).every((b) => b === 0)) break;
      const name = text(off, off + 100);
      const prefix = text(off + 345, off + 500);
      const size = Number.parseInt(text(off + 124, off + 136).trim() || "0", 8);
      const type = String.fromCharCode(tar[off + 156] ?? 0);
      const rel = normalize((prefix ? `${prefix}/${name}` : name).replace(/^\/+/, ""));
      if (rel.startsWith("..") || rel.includes(`${sep}..${sep}`) || Number.isNaN(size)) throw new Error(`template entry out of bounds: ${rel}`);
      off += 512;
      const target = join(partial, rel);
      if (type === "5") mkdirSync(target, { recursive: true, mode: 0o700 });
      else if (type === "0" || type === "\0") {
        mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
        writeFileSync(target, tar.subarray(off, off + size), { mode: 0o600 });
      } else throw new Error(`template entry of type ${JSON.stringify(type)} (${rel}) is not supported`);
      off += Math.ceil(size / 512) * 512;
    }
    if (!existsSync(join(partial, "PG_VERSION"))) throw new Error("the template holds no database (no PG_VERSION)");
    rmSync(dir, { recursive: true, force: true }); // a folder without a cluster (embeddedDbExists is false)
    mkdirSync(dirname(dir), { recursive: true });
    renameSync(partial, dir);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}
