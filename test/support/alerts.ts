import type { Alert } from "../../src/domain/alert.ts";

/** A firing Alertmanager alert on `service`, started a minute ago, told apart by its fingerprint `fp`. */
export const firingAlert = (fp: string, service = "checkout", name = "HighErrorRate"): Alert => ({
  fingerprint: fp,
  source: "alertmanager",
  name,
  status: "firing",
  severity: "sev2",
  service,
  summary: `5xx on ${service}`,
  labels: { alertname: "HighErrorRate", service, fp },
  startsAt: new Date(Date.now() - 60_000).toISOString(),
});
