/** One alert as an Alertmanager v4 webhook delivery (a group of one): what the storm benches send. */
export function delivery(alert: { name: string; service: string; instance: string; fingerprint: string; severity: string; summary: string }): string {
  const a = {
    status: "firing",
    labels: { alertname: alert.name, service: alert.service, instance: alert.instance, severity: alert.severity },
    annotations: { summary: alert.summary },
    startsAt: new Date(Date.now() - 30_000).toISOString(),
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus/graph",
    fingerprint: alert.fingerprint,
  };
  return JSON.stringify({ version: "4", groupKey: `{}:{instance="${alert.instance}"}`, truncatedAlerts: 0, status: "firing", receiver: "aisre", groupLabels: { instance: alert.instance }, commonLabels: a.labels, commonAnnotations: a.annotations, externalURL: "http://alertmanager", alerts: [a] });
}
