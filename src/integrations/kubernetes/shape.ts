import type { V1ConfigMap, V1Container, V1ObjectMeta, V1Pod, V1PodTemplateSpec, V1Service } from "@kubernetes/client-node";
import type { PodShape, ServiceShape, WorkloadShape } from "./port.ts";

/** client-node objects → the shapes topology discovery reads (pure). */

function controllerOf(meta: V1ObjectMeta | undefined): WorkloadShape["owner"] {
  const o = meta?.ownerReferences?.find((r) => r.controller) ?? meta?.ownerReferences?.[0];
  return o ? { kind: o.kind, name: o.name, uid: o.uid } : undefined;
}

export function serviceShape(s: V1Service): ServiceShape {
  const selector = s.spec?.selector && Object.keys(s.spec.selector).length ? s.spec.selector : undefined;
  return { namespace: s.metadata?.namespace ?? "", name: s.metadata?.name ?? "", type: s.spec?.type ?? "ClusterIP", selector, externalName: s.spec?.externalName, labels: s.metadata?.labels ?? {} };
}

export function workloadShape(kind: string, meta: V1ObjectMeta | undefined, template: V1PodTemplateSpec | undefined): WorkloadShape {
  const spec = template?.spec;
  const containers: V1Container[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  const env: WorkloadShape["env"] = [];
  const configMaps: WorkloadShape["configMaps"] = [];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (e.value !== undefined && e.value !== "") env.push({ name: e.name, value: e.value });
      const ref = e.valueFrom?.configMapKeyRef;
      if (ref?.name) configMaps.push({ name: ref.name, key: ref.key, as: `env ${e.name}` });
    }
    for (const f of c.envFrom ?? []) if (f.configMapRef?.name) configMaps.push({ name: f.configMapRef.name, as: "envFrom" });
  }
  for (const v of spec?.volumes ?? []) if (v.configMap?.name) configMaps.push({ name: v.configMap.name, as: `volume ${v.name}` });
  for (const v of spec?.volumes ?? []) for (const src of v.projected?.sources ?? []) if (src.configMap?.name) configMaps.push({ name: src.configMap.name, as: `volume ${v.name}` });
  return {
    namespace: meta?.namespace ?? "",
    kind,
    name: meta?.name ?? "",
    uid: meta?.uid,
    labels: meta?.labels ?? {},
    podLabels: template?.metadata?.labels ?? {},
    env,
    configMaps,
    owner: controllerOf(meta),
  };
}

export function podShape(p: V1Pod): PodShape {
  return { namespace: p.metadata?.namespace ?? "", name: p.metadata?.name ?? "", labels: p.metadata?.labels ?? {}, owner: controllerOf(p.metadata) };
}

export function configMapShape(c: V1ConfigMap): { namespace: string; name: string; data: Record<string, string> } {
  return { namespace: c.metadata?.namespace ?? "", name: c.metadata?.name ?? "", data: c.data ?? {} };
}
