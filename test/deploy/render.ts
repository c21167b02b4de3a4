import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const DEPLOY_DIR = fileURLToPath(new URL("../../deploy/kubernetes/", import.meta.url));

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** `kubectl kustomize <dir>` (kubectl from the PATH; .ci/run installs it when missing), parsed. */
export function renderKustomization(relativeDir: string): K8sObject[] {
  const yaml = execFileSync("kubectl", ["kustomize", `${DEPLOY_DIR}${relativeDir}`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseAllDocuments(yaml).map((d) => {
    if (d.errors.length) throw new Error(`kubectl kustomize ${relativeDir}: ${d.errors[0]!.message}`);
    return d.toJS() as K8sObject;
  });
}

export function find<T = K8sObject>(objects: K8sObject[], kind: string, name?: string): T {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind}${name ? ` ${name}` : ""} in the rendered manifests`);
  return o as T;
}
