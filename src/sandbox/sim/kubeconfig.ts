import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

/** Writes a kubeconfig for `<publicUrl>/k8s` with a bearer token; returns its path. */
export function writeKubeconfig(dataDir: string, publicUrl: string, token: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, "kubeconfig");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    // Plain HTTP: @kubernetes/client-node only allows it with insecure-skip-tls-verify set.
    clusters: [{ name: "aisre-sim", cluster: { server: `${publicUrl.replace(/\/$/, "")}/k8s`, "insecure-skip-tls-verify": true } }],
    users: [{ name: "aisre-sim-admin", user: { token } }],
    contexts: [{ name: "aisre-sim", context: { cluster: "aisre-sim", user: "aisre-sim-admin", namespace: "shop" } }],
    "current-context": "aisre-sim",
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}
