import { readFileSync } from "node:fs";
import type { Config } from "../config.ts";
import { secretSpecs, webhookSources } from "../ingest/registry.ts";
import type { SourceSecrets, WebhookSource } from "../ingest/types.ts";

/**
 * The webhook sources' secrets from the config, in the form each source declared: a `list` split
 * on commas (PAGERDUTY_WEBHOOK_SECRET holds two during a rotation), a `file` read once, at start
 * (SNS_CERT_FILE). Unset secrets are left out: that source accepts unsigned deliveries
 * (docs/webhooks.md).
 */
export function sourceSecrets(config: Config, sources: readonly WebhookSource[] = webhookSources, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): SourceSecrets {
  const out: Record<string, string | string[]> = {};
  for (const { key, spec } of secretSpecs(sources)) {
    const raw = config.webhookSecrets[spec.env];
    if (raw === undefined) continue;
    if (spec.form === "list") {
      const list = raw
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (list.length > 0) out[key] = list;
    } else out[key] = spec.form === "file" ? readFile(raw) : raw;
  }
  return out;
}
