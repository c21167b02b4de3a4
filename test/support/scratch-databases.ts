import { randomBytes } from "node:crypto";
import pg from "pg";

/** A database name beside `baseUrl`'s own: `<base>_<suffix>`. */
export function scratchName(baseUrl: string, suffix: string): string {
  const base = new URL(baseUrl).pathname.slice(1) || "aisre";
  return `${base.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${suffix}`;
}

/**
 * Creates an empty database (or a copy of `template`) beside `baseUrl`'s, named after it
 * (`<base>_t_<random>`), and returns its URL: tests and benches never touch other databases on a shared server.
 */
export async function createScratchDatabase(baseUrl: string, options: { template?: string } = {}): Promise<{ name: string; url: string }> {
  const name = scratchName(baseUrl, `t_${randomBytes(5).toString("hex")}`);
  await adminQuery(baseUrl, `CREATE DATABASE ${name}${options.template ? ` TEMPLATE ${options.template}` : ""}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Runs one statement on `baseUrl`'s own database (creating, altering, dropping scratch ones). */
export async function adminQuery(baseUrl: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    return (await admin.query(sql, params)).rows;
  } finally {
    await admin.end();
  }
}

export async function dropScratchDatabase(baseUrl: string, name: string): Promise<void> {
  await adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
