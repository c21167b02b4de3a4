import type { ServerResponse } from "node:http";
import { type RouteRequest, Router, sendJson, sendText } from "../../../http/router.ts";
import { NAMESPACE } from "../catalog.ts";
import { revisionOf } from "../world/cluster.ts";
import { templateHash } from "../world/templates.ts";
import type { K8sObject } from "../world/types.ts";
import type { World } from "../world/world.ts";
import { apiGroupList, apiVersions, resourceList, VERSION_INFO } from "./discovery.ts";
import { applyPatch, PatchError } from "./patch.ts";
import { podStatusText, renderCoreEvent, renderEventsV1, renderPod } from "./render.ts";
import { fieldsMatch, labelsMatch, parseLabelSelector } from "./selectors.ts";
import { toTable, wantsTable } from "./tables.ts";

/** A change made through the API, as the simulation understood it. */
export interface K8sAction {
  at: number;
  action: "rollout_restart" | "scale" | "rollback" | "pause_rollout" | "resume_rollout" | "delete_pod" | "update";
  namespace: string;
  name: string;
  detail: string;
}

export interface K8sApiContext {
  world: World;
  token: string;
  onAction: (a: K8sAction) => void;
}

function status(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, unknown>): void {
  sendJson(res, code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code });
}

function notFound(res: ServerResponse, group: string, resource: string, name: string): void {
  status(res, 404, "NotFound", `${resource}${group ? `.${group}` : ""} "${name}" not found`, { name, group, kind: resource });
}

function listKind(kind: string): string {
  return `${kind}List`;
}

type Parsed = { gv: string; ns?: string; resource?: string; name?: string; sub?: string };

/** Splits `/api/v1/namespaces/shop/pods/x/log` into its parts. */
function parsePath(rest: string): Parsed | undefined {
  const seg = rest.split("/").filter(Boolean);
  let gv: string;
  let i: number;
  if (seg[0] === "api" && seg[1] === "v1") {
    gv = "v1";
    i = 2;
  } else if (seg[0] === "apis" && seg.length >= 3) {
    gv = `${seg[1]}/${seg[2]}`;
    i = 3;
  } else return undefined;
  const r = seg.slice(i);
  if (r[0] === "namespaces" && r.length >= 3) return { gv, ns: r[1], resource: r[2], name: r[3], sub: r.slice(4).join("/") || undefined };
  return { gv, resource: r[0], name: r[1], sub: r.slice(2).join("/") || undefined };
}

export function k8sRouter(ctx: K8sApiContext): Router {
  const router = new Router();
  const w = (): World => ctx.world;

  const authorized = (req: RouteRequest, res: ServerResponse): boolean => {
    // kubectl (client-go) sends no credentials over plain HTTP, so a request without any is
    // served as a local anonymous admin; a wrong token is refused like a real API server would.
    const auth = req.headers.authorization;
    if (auth === undefined || auth === `Bearer ${ctx.token}`) return true;
    status(res, 401, "Unauthorized", "Unauthorized");
    return false;
  };

  const handler = async (req: RouteRequest, res: ServerResponse): Promise<void> => {
    const rest = `/${req.params.rest ?? ""}`;
    if (rest === "/healthz" || rest === "/readyz" || rest === "/livez") return sendText(res, 200, "ok");
    if (!authorized(req, res)) return;
    const host = String(req.headers.host ?? "127.0.0.1");
    if (rest === "/version" || rest === "/version/") return sendJson(res, 200, VERSION_INFO);
    if (rest === "/api" || rest === "/api/") return sendJson(res, 200, apiVersions(host));
    if (rest === "/apis" || rest === "/apis/") return sendJson(res, 200, apiGroupList());
    const p = parsePath(rest);
    if (!p) return status(res, 404, "NotFound", "the server could not find the requested resource");
    if (!p.resource) {
      const list = resourceList(p.gv);
      return list ? sendJson(res, 200, list) : status(res, 404, "NotFound", "the server could not find the requested resource");
    }
    if (req.query.get("watch") === "true" || req.query.get("watch") === "1") return status(res, 405, "MethodNotAllowed", "watch is not supported by the simulated cluster");
    try {
      await dispatch(req, res, p);
    } catch (e) {
      if (e instanceof PatchError) return status(res, e.status, e.status === 422 ? "Invalid" : "BadRequest", e.message);
      throw e;
    }
  };

  const list = (req: RouteRequest, res: ServerResponse, kind: string, apiVersion: string, items: K8sObject[], podStatus = false): void => {
    const sel = parseLabelSelector(req.query.get("labelSelector"));
    const fields = req.query.get("fieldSelector");
    let filtered = items.filter((o) => labelsMatch(o.metadata?.labels, sel) && fieldsMatch(o, fields));
    const limit = Number(req.query.get("limit") ?? 0);
    const cont = Number(req.query.get("continue") ?? 0) || 0;
    let next: string | undefined;
    if (limit > 0) {
      const page = filtered.slice(cont, cont + limit);
      if (cont + limit < filtered.length) next = String(cont + limit);
      filtered = page;
    }
    const rv = w().cluster.nextRv();
    if (wantsTable(req.headers.accept)) {
      const world = w();
      const table = toTable(kind, filtered, rv, world.now, podStatus ? { podStatus: (o) => podStatusText(world.cluster.pods.get(o.metadata.name)!) } : {});
      if (next) table.metadata.continue = next;
      return sendJson(res, 200, table);
    }
    sendJson(res, 200, { kind: listKind(kind), apiVersion, metadata: { resourceVersion: rv, ...(next ? { continue: next } : {}) }, items: filtered });
  };

  const one = (req: RouteRequest, res: ServerResponse, kind: string, obj: K8sObject, podStatus = false): void => {
    if (wantsTable(req.headers.accept)) {
      const world = w();
      return sendJson(res, 200, toTable(kind, [obj], world.cluster.nextRv(), world.now, podStatus ? { podStatus: (o) => podStatusText(world.cluster.pods.get(o.metadata.name)!) } : {}));
    }
    sendJson(res, 200, obj);
  };

  const inNs = (ns: string | undefined) => (o: K8sObject) => !ns || o.metadata?.namespace === ns;

  async function dispatch(req: RouteRequest, res: ServerResponse, p: Parsed): Promise<void> {
    const world = w();
    const c = world.cluster;
    const key = `${p.gv}:${p.resource}`;
    const method = req.method;
    const dryRun = req.query.getAll("dryRun").includes("All");
    switch (key) {
      case "v1:namespaces": {
        if (p.name && !p.ns) {
          const n = c.namespaces.find((x) => x.metadata.name === p.name);
          return n ? one(req, res, "Namespace", n) : notFound(res, "", "namespaces", p.name);
        }
        return list(req, res, "Namespace", "v1", c.namespaces);
      }
      case "v1:nodes": {
        if (p.name) {
          const n = c.nodes.find((x) => x.metadata.name === p.name);
          return n ? one(req, res, "Node", n) : notFound(res, "", "nodes", p.name);
        }
        return list(req, res, "Node", "v1", c.nodes);
      }
      case "v1:pods": {
        const pods = [...c.pods.values()].map((x) => renderPod(x, world.now)).filter(inNs(p.ns));
        if (!p.name) return list(req, res, "Pod", "v1", pods, true);
        const sim = c.pods.get(p.name);
        if (!sim || (p.ns && sim.namespace !== p.ns)) return notFound(res, "", "pods", p.name);
        if (p.sub === "log") return podLog(req, res, p.name);
        if (p.sub) return status(res, 404, "NotFound", "the server could not find the requested resource");
        if (method === "DELETE") {
          const obj = renderPod(sim, world.now);
          obj.metadata.deletionTimestamp = new Date(world.now).toISOString().replace(/\.\d+Z$/, "Z");
          obj.metadata.deletionGracePeriodSeconds = 30;
          if (!dryRun) {
            sim.deletionTimestamp = world.now;
            c.removePod(sim, "api");
            ctx.onAction({ at: world.now, action: "delete_pod", namespace: sim.namespace, name: sim.name, detail: `deleted pod ${sim.name} (${sim.service})` });
          }
          return sendJson(res, 200, obj);
        }
        return one(req, res, "Pod", renderPod(sim, world.now), true);
      }
      case "v1:services":
      case "v1:configmaps": {
        const map = p.resource === "services" ? c.services : c.configmaps;
        const kind = p.resource === "services" ? "Service" : "ConfigMap";
        if (p.name) {
          const obj = [...map.values()].find((o) => o.metadata.name === p.name && inNs(p.ns)(o));
          return obj ? one(req, res, kind, obj) : notFound(res, "", p.resource!, p.name);
        }
        return list(req, res, kind, "v1", [...map.values()].filter(inNs(p.ns)));
      }
      case "apps/v1:daemonsets":
        if (p.name) return notFound(res, "apps", "daemonsets", p.name);
        return list(req, res, "DaemonSet", "apps/v1", []);
      case "v1:events":
        if (p.name) {
          const e = c.events.find((x) => x.name === p.name);
          return e ? sendJson(res, 200, renderCoreEvent(e)) : notFound(res, "", "events", p.name);
        }
        return list(req, res, "Event", "v1", c.events.map(renderCoreEvent).filter(inNs(p.ns)));
      case "events.k8s.io/v1:events":
        if (p.name) {
          const e = c.events.find((x) => x.name === p.name);
          return e ? sendJson(res, 200, renderEventsV1(e)) : notFound(res, "events.k8s.io", "events", p.name);
        }
        return list(req, res, "Event", "events.k8s.io/v1", c.events.map(renderEventsV1).filter(inNs(p.ns)));
      case "apps/v1:replicasets": {
        const items = [...c.replicasets.values()].filter(inNs(p.ns));
        if (!p.name) return list(req, res, "ReplicaSet", "apps/v1", items);
        const rs = c.replicasets.get(p.name);
        return rs && inNs(p.ns)(rs) ? one(req, res, "ReplicaSet", rs) : notFound(res, "apps", "replicasets", p.name);
      }
      case "apps/v1:statefulsets": {
        const items = [...c.statefulsets.values()].filter(inNs(p.ns));
        if (!p.name) return list(req, res, "StatefulSet", "apps/v1", items);
        const s = c.statefulsets.get(p.name);
        return s && inNs(p.ns)(s) ? one(req, res, "StatefulSet", s) : notFound(res, "apps", "statefulsets", p.name);
      }
      case "batch/v1:jobs": {
        const items = [...c.jobs.values()].filter(inNs(p.ns));
        if (!p.name) return list(req, res, "Job", "batch/v1", items);
        const j = c.jobs.get(p.name);
        return j && inNs(p.ns)(j) ? one(req, res, "Job", j) : notFound(res, "batch", "jobs", p.name);
      }
      case "batch/v1:cronjobs": {
        const items = [...c.cronjobs.values()].filter(inNs(p.ns));
        if (!p.name) return list(req, res, "CronJob", "batch/v1", items);
        const j = c.cronjobs.get(p.name);
        return j && inNs(p.ns)(j) ? one(req, res, "CronJob", j) : notFound(res, "batch", "cronjobs", p.name);
      }
      case "apps/v1:deployments":
        return deployments(req, res, p, dryRun);
      default:
        return status(res, 404, "NotFound", "the server could not find the requested resource");
    }
  }

  function podLog(req: RouteRequest, res: ServerResponse, name: string): void {
    const world = w();
    const pod = world.cluster.pods.get(name)!;
    const container = req.query.get("container");
    if (container && container !== pod.service) return status(res, 400, "BadRequest", `container ${container} is not valid for pod ${name}`);
    const previous = req.query.get("previous") === "true";
    if (previous && pod.previousLogs.length === 0 && pod.restartCount === 0) return status(res, 400, "BadRequest", `previous terminated container "${pod.service}" in pod "${name}" not found`);
    if (pod.phase === "Pending") return status(res, 400, "BadRequest", `container "${pod.service}" in pod "${name}" is waiting to start: ContainerCreating`);
    let lines = previous || pod.waiting ? pod.previousLogs : pod.logs;
    const since = Number(req.query.get("sinceSeconds") ?? 0);
    if (since > 0) lines = lines.filter((l) => l.at >= world.now - since * 1000);
    const sinceTime = req.query.get("sinceTime");
    if (sinceTime) lines = lines.filter((l) => l.at >= Date.parse(sinceTime));
    const tail = req.query.get("tailLines");
    if (tail !== null && Number(tail) >= 0) lines = lines.slice(Math.max(0, lines.length - Number(tail)));
    const ts = req.query.get("timestamps") === "true";
    let text = lines.map((l) => (ts ? `${new Date(l.at).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z")} ${l.text}` : l.text)).join("\n");
    if (text) text += "\n";
    const limit = Number(req.query.get("limitBytes") ?? 0);
    if (limit > 0) text = Buffer.from(text).subarray(0, limit).toString("utf8");
    sendText(res, 200, text);
  }

  function scaleObject(dep: K8sObject): K8sObject {
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: dep.metadata.name, namespace: dep.metadata.namespace, uid: dep.metadata.uid, resourceVersion: dep.metadata.resourceVersion, creationTimestamp: dep.metadata.creationTimestamp },
      spec: { replicas: dep.spec.replicas },
      status: {
        replicas: dep.status?.replicas ?? 0,
        selector: Object.entries(dep.spec.selector.matchLabels)
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      },
    };
  }

  function deployments(req: RouteRequest, res: ServerResponse, p: Parsed, dryRun: boolean): void {
    const world = w();
    const c = world.cluster;
    if (!p.name) {
      if (req.method !== "GET") return status(res, 405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
      return list(req, res, "Deployment", "apps/v1", [...c.deployments.values()].filter(inNs(p.ns)));
    }
    const dep = c.deployments.get(p.name);
    if (!dep || (p.ns && p.ns !== NAMESPACE)) return notFound(res, "apps", "deployments", p.name);
    if (p.sub === "scale") {
      if (req.method === "GET") return sendJson(res, 200, scaleObject(dep));
      if (req.method !== "PATCH" && req.method !== "PUT") return status(res, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
      const current = scaleObject(dep);
      const next = req.method === "PUT" ? parseJson(req) : applyPatch(current, req.headers["content-type"], req.body);
      const replicas = next?.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) return status(res, 422, "Invalid", `Scale.autoscaling "${p.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
      if (req.method === "PUT" && next.metadata?.resourceVersion && next.metadata.resourceVersion !== dep.metadata.resourceVersion) return conflict(res, p.name);
      if (!dryRun && replicas !== dep.spec.replicas) {
        const from = dep.spec.replicas;
        dep.spec.replicas = replicas;
        dep.metadata.generation += 1;
        c.touch(dep);
        ctx.onAction({ at: world.now, action: "scale", namespace: NAMESPACE, name: p.name, detail: `scaled ${p.name} from ${from} to ${replicas}` });
      }
      return sendJson(res, 200, { ...scaleObject(dep), spec: { replicas } });
    }
    if (p.sub && p.sub !== "status") return status(res, 404, "NotFound", "the server could not find the requested resource");
    if (req.method === "GET") return one(req, res, "Deployment", dep);
    if (req.method !== "PATCH" && req.method !== "PUT") return status(res, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    const next = req.method === "PUT" ? parseJson(req) : applyPatch(dep, req.headers["content-type"], req.body);
    if (req.method === "PUT" && next.metadata?.resourceVersion && next.metadata.resourceVersion !== dep.metadata.resourceVersion) return conflict(res, p.name);
    const problem = validateDeployment(dep, next);
    if (problem) return status(res, 422, "Invalid", `Deployment.apps "${p.name}" is invalid: ${problem}`, { name: p.name, group: "apps", kind: "Deployment" });
    const result = commitDeployment(dep, next, dryRun);
    sendJson(res, 200, result);
  }

  function conflict(res: ServerResponse, name: string): void {
    status(res, 409, "Conflict", `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: "apps", kind: "deployments" });
  }

  function parseJson(req: RouteRequest): K8sObject {
    try {
      return JSON.parse(req.body.toString("utf8"));
    } catch (e) {
      throw new PatchError(`error decoding body: ${(e as Error).message}`, 400);
    }
  }

  function validateDeployment(cur: K8sObject, next: K8sObject): string | undefined {
    if (next?.metadata?.name !== cur.metadata.name) return `metadata.name: Invalid value: ${JSON.stringify(next?.metadata?.name)}: field is immutable`;
    if (JSON.stringify(next.spec?.selector) !== JSON.stringify(cur.spec.selector)) return `spec.selector: Invalid value: ${JSON.stringify(next.spec?.selector)}: field is immutable`;
    const r = next.spec?.replicas;
    if (!Number.isInteger(r) || r < 0) return `spec.replicas: Invalid value: ${JSON.stringify(r)}: must be greater than or equal to 0`;
    const containers = next.spec?.template?.spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) return "spec.template.spec.containers: Required value";
    for (const [i, ct] of containers.entries()) if (!ct?.name || !ct?.image) return `spec.template.spec.containers[${i}].image: Required value`;
    const labels = next.spec.template.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(cur.spec.selector.matchLabels ?? {})) if (labels[k] !== v) return `spec.template.metadata.labels: Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``;
    return undefined;
  }

  /** Stores an accepted change (unless dry-run) and records what kind of action it was. */
  function commitDeployment(cur: K8sObject, next: K8sObject, dryRun: boolean): K8sObject {
    const world = w();
    const c = world.cluster;
    const name: string = cur.metadata.name;
    const merged: K8sObject = structuredClone(next);
    merged.metadata = { ...cur.metadata, labels: next.metadata?.labels ?? cur.metadata.labels, annotations: { ...(next.metadata?.annotations ?? {}), "deployment.kubernetes.io/revision": cur.metadata.annotations["deployment.kubernetes.io/revision"] } };
    merged.status = cur.status;
    merged.apiVersion = "apps/v1";
    merged.kind = "Deployment";
    const specChanged = JSON.stringify(merged.spec) !== JSON.stringify(cur.spec);
    if (specChanged) merged.metadata.generation = cur.metadata.generation + 1;
    if (dryRun) return merged;
    const actions: K8sAction[] = [];
    const at = world.now;
    const oldRestart = cur.spec.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"];
    const newRestart = merged.spec.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"];
    const templateChanged = JSON.stringify(merged.spec.template) !== JSON.stringify(cur.spec.template);
    if (templateChanged) {
      const hash = templateHash(merged.spec.template);
      const target = c.replicaSetsOf(name).find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
      const currentRev = Number(cur.metadata.annotations["deployment.kubernetes.io/revision"] ?? 0);
      if (target && revisionOf(target) < currentRev) actions.push({ at, action: "rollback", namespace: NAMESPACE, name, detail: `rolled ${name} back to revision ${revisionOf(target)} (${target.spec.template.spec.containers[0].image})` });
      else if (newRestart && newRestart !== oldRestart) actions.push({ at, action: "rollout_restart", namespace: NAMESPACE, name, detail: `restarted ${name} (restartedAt ${newRestart})` });
      else actions.push({ at, action: "update", namespace: NAMESPACE, name, detail: `updated the pod template of ${name}` });
    }
    if (merged.spec.replicas !== cur.spec.replicas) actions.push({ at, action: "scale", namespace: NAMESPACE, name, detail: `scaled ${name} from ${cur.spec.replicas} to ${merged.spec.replicas}` });
    if (Boolean(merged.spec.paused) !== Boolean(cur.spec.paused)) actions.push({ at, action: merged.spec.paused ? "pause_rollout" : "resume_rollout", namespace: NAMESPACE, name, detail: `${merged.spec.paused ? "paused" : "resumed"} the rollout of ${name}` });
    for (const k of Object.keys(cur)) delete cur[k];
    Object.assign(cur, merged);
    c.touch(cur);
    for (const a of actions) ctx.onAction(a);
    return cur;
  }

  for (const m of ["GET", "PATCH", "PUT", "DELETE", "POST"]) router.add(m, "/k8s/*rest", handler);
  return router;
}
