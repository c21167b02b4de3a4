import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";

export const PROMETHEUS_BIN = "/usr/bin/prometheus";
export const ALERTMANAGER_BIN = "/usr/bin/prometheus-alertmanager";
export const haveBinaries = () => existsSync(PROMETHEUS_BIN) && existsSync(ALERTMANAGER_BIN);

export interface PrometheusStack {
  prometheusUrl: string;
  alertmanagerUrl: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Real Prometheus and Alertmanager from Debian's packages: Prometheus scrapes `scrapeUrl`, evaluates
 * `rulesYaml` every second and sends alerts to Alertmanager, which posts them to `webhookUrl`.
 */
export async function startPrometheusStack(options: { scrapeUrl: string; rulesYaml: string; webhookUrl: string }): Promise<PrometheusStack> {
  const dir = mkdtempSync(join(tmpdir(), "aisre-prom-"));
  const [promPort, amPort, amClusterPort] = [await freePort(), await freePort(), await freePort()];
  const target = new URL(options.scrapeUrl);
  writeFileSync(join(dir, "rules.yml"), options.rulesYaml);
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["${join(dir, "rules.yml")}"]
alerting:
  alertmanagers:
    - static_configs: [{ targets: ["127.0.0.1:${amPort}"] }]
scrape_configs:
  - job_name: shop
    metrics_path: ${target.pathname}
    static_configs: [{ targets: ["${target.host}"] }]
`,
  );
  writeFileSync(
    join(dir, "alertmanager.yml"),
    `route:
  receiver: aisre
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: aisre
    webhook_configs:
      - url: ${options.webhookUrl}
        send_resolved: true
`,
  );
  let out = "";
  const run = (bin: string, args: string[]): ChildProcess => {
    const p = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    p.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    return p;
  };
  const am = run(ALERTMANAGER_BIN, [`--config.file=${join(dir, "alertmanager.yml")}`, `--storage.path=${join(dir, "am")}`, `--web.listen-address=127.0.0.1:${amPort}`, `--cluster.listen-address=127.0.0.1:${amClusterPort}`]);
  const prom = run(PROMETHEUS_BIN, [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  const stop = async () => {
    for (const p of [prom, am]) {
      if (p.exitCode === null) {
        p.kill("SIGTERM");
        await new Promise((r) => p.once("exit", r));
      }
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await Promise.all(
      [`http://127.0.0.1:${promPort}/-/ready`, `http://127.0.0.1:${amPort}/-/ready`].map((u) =>
        fetch(u).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    if (ok.every(Boolean)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus/Alertmanager did not become ready:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { prometheusUrl: `http://127.0.0.1:${promPort}`, alertmanagerUrl: `http://127.0.0.1:${amPort}`, logs: () => out, stop };
}
