import { parse as parseYaml } from "yaml";
import type { K8sObject } from "../world/types.ts";

export class PatchError extends Error {
  readonly status: number;
  constructor(message: string, status = 422) {
    super(message);
    this.status = status;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  ports: "containerPort",
  imagePullSecrets: "name",
  tolerations: "key",
};

/** Strategic merge patch, enough for Deployments: lists of named things merge by their key. */
export function strategicMergePatch(target: unknown, patch: unknown, field = ""): unknown {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(target)) return structuredClone(patch.filter((p) => !(isObj(p) && p.$patch === "delete")));
    const out = structuredClone(target) as Array<Record<string, unknown>>;
    for (const item of patch) {
      if (!isObj(item)) continue;
      const idx = out.findIndex((o) => o[key] === item[key]);
      if (item.$patch === "delete") {
        if (idx >= 0) out.splice(idx, 1);
      } else if (idx >= 0) out[idx] = strategicMergePatch(out[idx], item) as Record<string, unknown>;
      else out.push(strategicMergePatch({}, item) as Record<string, unknown>);
    }
    return out;
  }
  if (!isObj(patch)) return structuredClone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue;
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k], v, k);
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function getAt(doc: unknown, parts: string[]): unknown {
  let cur: unknown = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObj(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

/** RFC 6902 JSON patch. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError("json patch must be an array of operations", 400);
  let out = structuredClone(doc);
  for (const op of ops as Array<Record<string, unknown>>) {
    const parts = pointer(String(op.path ?? ""));
    const apply = (mutate: (parent: unknown, key: string) => void): void => {
      if (parts.length === 0) throw new PatchError("cannot patch the document root");
      const parent = getAt(out, parts.slice(0, -1));
      if (!isObj(parent) && !Array.isArray(parent)) throw new PatchError(`doc is missing path: "${op.path}": missing value`);
      mutate(parent, parts.at(-1)!);
    };
    const set = (value: unknown, insert: boolean) => (parent: unknown, key: string) => {
      if (Array.isArray(parent)) {
        const i = key === "-" ? parent.length : Number(key);
        if (insert) parent.splice(i, 0, value);
        else parent[i] = value;
      } else (parent as Record<string, unknown>)[key] = value;
    };
    const remove = (parent: unknown, key: string): void => {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else {
        if (!(key in (parent as Record<string, unknown>))) throw new PatchError(`unable to remove nonexistent key: ${key}: missing value`);
        delete (parent as Record<string, unknown>)[key];
      }
    };
    switch (op.op) {
      case "add":
        if (parts.length === 0) out = structuredClone(op.value);
        else apply(set(structuredClone(op.value), true));
        break;
      case "replace":
        if (parts.length === 0) out = structuredClone(op.value);
        else {
          if (getAt(out, parts) === undefined) throw new PatchError(`replace operation does not apply: doc is missing key: ${op.path}: missing value`);
          apply(set(structuredClone(op.value), false));
        }
        break;
      case "remove":
        apply(remove);
        break;
      case "move":
      case "copy": {
        const from = pointer(String(op.from ?? ""));
        const value = structuredClone(getAt(out, from));
        if (value === undefined) throw new PatchError(`${op.op} operation does not apply: doc is missing from path: ${op.from}`);
        if (op.op === "move") {
          const parent = getAt(out, from.slice(0, -1));
          remove(parent, from.at(-1)!);
        }
        apply(set(value, true));
        break;
      }
      case "test":
        if (JSON.stringify(getAt(out, parts)) !== JSON.stringify(op.value)) throw new PatchError(`testing value ${op.path} failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${String(op.op)}`, 400);
    }
  }
  return out;
}

/** Applies a PATCH body according to its Content-Type. */
export function applyPatch(obj: K8sObject, contentType: string | undefined, body: Buffer): K8sObject {
  const ct = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const text = body.toString("utf8");
  let patch: unknown;
  try {
    patch = ct === "application/apply-patch+yaml" ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new PatchError(`error decoding patch: ${(e as Error).message}`, 400);
  }
  switch (ct) {
    case "application/json-patch+json":
      return jsonPatch(obj, patch) as K8sObject;
    case "application/merge-patch+json":
      return mergePatch(obj, patch) as K8sObject;
    case "application/strategic-merge-patch+json":
    case "application/apply-patch+yaml":
      return strategicMergePatch(obj, patch) as K8sObject;
    default:
      throw new PatchError(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`, 415);
  }
}
