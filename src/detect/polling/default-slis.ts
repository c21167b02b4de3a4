import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseSliYaml, type ResolvedSli } from "../sli-config.ts";

/** The sandbox shop's default SLIs (error ratio, p99 latency, memory utilisation per service). */
export const SANDBOX_SLIS_FILE = fileURLToPath(new URL("../slis.sandbox.yaml", import.meta.url));

export function sandboxSlis(): ResolvedSli[] {
  return parseSliYaml(readFileSync(SANDBOX_SLIS_FILE, "utf8"), "src/detect/slis.sandbox.yaml");
}
