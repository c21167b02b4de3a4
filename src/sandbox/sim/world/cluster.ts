import { CLUSTER, NAMESPACE, SERVICES, type ServiceSpec } from "../catalog.ts";
import { Rng } from "../../../domain/random.ts";
import { EXTERNAL_HOSTS, iso, objectMeta, podTemplate, templateHash, templateVersion, upstreamUrls, UPSTREAMS_IN_CONFIGMAP, workloadLabels } from "./templates.ts";
import type { K8sObject, SimEvent, SimPod } from "./types.ts";

const DAY = 86_400_000;

export const NODES = ["ip-10-0-1-23.eu-west-1.compute.internal", "ip-10-0-2-41.eu-west-1.compute.internal", "ip-10-0-3-17.eu-west-1.compute.internal"];

/**
 * The Kubernetes side of the world: workloads, ReplicaSets, pods and events, as plain objects the
 * API serves. Controllers (rollout.ts, pods.ts) change them as simulated time passes.
 */
export class Cluster {
  now: number;
  readonly rng: Rng;
  private rv = 1000;
  readonly createdAt: number;
  readonly namespaces: K8sObject[];
  readonly nodes: K8sObject[];
  readonly deployments = new Map<string, K8sObject>();
  readonly statefulsets = new Map<string, K8sObject>();
  readonly cronjobs = new Map<string, K8sObject>();
  readonly jobs = new Map<string, K8sObject>();
  readonly replicasets = new Map<string, K8sObject>();
  readonly pods = new Map<string, SimPod>();
  /** Services (ClusterIP, headless for StatefulSets, ExternalName for external dependencies), by namespace/name. */
  readonly services = new Map<string, K8sObject>();
  readonly configmaps = new Map<string, K8sObject>();
  events: SimEvent[] = [];

  constructor(rng: Rng, now: number) {
    this.rng = rng;
    this.now = now;
    this.createdAt = now - 120 * DAY;
    this.namespaces = ["default", "kube-system", "kube-public", NAMESPACE, "monitoring"].map((name) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, uid: rng.uuid(), resourceVersion: this.nextRv(), creationTimestamp: iso(this.createdAt), labels: { "kubernetes.io/metadata.name": name } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    }));
    this.nodes = NODES.map((name, i) => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        uid: rng.uuid(),
        resourceVersion: this.nextRv(),
        creationTimestamp: iso(now - (20 + i) * DAY),
        labels: { "kubernetes.io/hostname": name, "node.kubernetes.io/instance-type": "m6i.2xlarge", "topology.kubernetes.io/zone": `eu-west-1${"abc"[i]}`, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" },
      },
      spec: { providerID: `aws:///eu-west-1${"abc"[i]}/i-0${rng.hex(16)}` },
      status: {
        capacity: { cpu: "8", memory: "32386012Ki", pods: "58", "ephemeral-storage": "104845292Ki" },
        allocatable: { cpu: "7910m", memory: "31369180Ki", pods: "58", "ephemeral-storage": "95551679124" },
        conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: iso(now), lastTransitionTime: iso(now - (20 + i) * DAY) }],
        addresses: [
          { type: "InternalIP", address: `10.0.${i + 1}.${20 + i}` },
          { type: "Hostname", address: name },
        ],
        nodeInfo: { kubeletVersion: "v1.30.4-eks-a737599", containerRuntimeVersion: "containerd://1.7.20", osImage: "Amazon Linux 2023", kernelVersion: "6.1.102-111.182.amzn2023.x86_64", architecture: "amd64", operatingSystem: "linux" },
      },
    }));
    for (const s of SERVICES) this.bootstrap(s);
    // Its own random stream, so adding Services leaves every other generated name as it was.
    this.networking(new Rng(0x5e7c0de));
  }

  /** The Services clients reach workloads through, and the ConfigMaps some workloads read. */
  private networking(rng: Rng): void {
    const add = (map: Map<string, K8sObject>, obj: K8sObject): void => {
      obj.metadata.resourceVersion = this.nextRv();
      map.set(`${obj.metadata.namespace}/${obj.metadata.name}`, obj);
    };
    const ip = (): string => `172.20.${rng.int(250) + 1}.${rng.int(250) + 2}`;
    const meta = (name: string, namespace: string, labels: Record<string, string>) => ({ name, namespace, uid: rng.uuid(), resourceVersion: "1", creationTimestamp: iso(this.createdAt), labels });
    const clusterIp = (name: string, namespace: string, labels: Record<string, string>, selector: Record<string, string> | undefined, ports: K8sObject[], headless = false): K8sObject => {
      const addr = headless ? "None" : ip();
      return {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(name, namespace, labels),
        spec: { type: "ClusterIP", clusterIP: addr, clusterIPs: [addr], ...(selector ? { selector } : {}), ports, sessionAffinity: "None", ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", internalTrafficPolicy: "Cluster" },
        status: { loadBalancer: {} },
      };
    };
    add(this.services, clusterIp("kubernetes", "default", { component: "apiserver", provider: "kubernetes" }, undefined, [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }]));
    add(
      this.services,
      clusterIp("kube-dns", "kube-system", { "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS" }, { "k8s-app": "kube-dns" }, [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
      ]),
    );
    for (const s of SERVICES) {
      if (s.workload === "External") {
        add(this.services, { apiVersion: "v1", kind: "Service", metadata: meta(s.name, NAMESPACE, workloadLabels(s)), spec: { type: "ExternalName", externalName: EXTERNAL_HOSTS[s.name] ?? `${s.name}.example`, sessionAffinity: "None" }, status: { loadBalancer: {} } });
        continue;
      }
      if (!s.port || s.workload === "CronJob") continue;
      const portName = s.kind === "database" || s.kind === "cache" || s.kind === "queue" ? s.runtime : "http";
      add(this.services, clusterIp(s.name, NAMESPACE, workloadLabels(s), { app: s.name }, [{ name: portName, port: s.port, protocol: "TCP", targetPort: portName }], s.workload === "StatefulSet"));
    }
    for (const s of SERVICES) {
      if (!UPSTREAMS_IN_CONFIGMAP.has(s.name)) continue;
      add(this.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: meta(`${s.name}-upstreams`, NAMESPACE, workloadLabels(s)), data: upstreamUrls(s) });
    }
    add(this.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: meta("kube-root-ca.crt", NAMESPACE, {}), data: { "ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n" } });
  }

  nextRv(): string {
    this.rv += 1;
    return String(this.rv);
  }

  touch(obj: K8sObject): void {
    obj.metadata.resourceVersion = this.nextRv();
  }

  private bootstrap(s: ServiceSpec): void {
    const rng = this.rng;
    if (s.workload === "Deployment") {
      const dep: K8sObject = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: objectMeta(s.name, rng.uuid(), this.createdAt, workloadLabels(s)),
        spec: {
          replicas: s.replicas,
          selector: { matchLabels: { app: s.name } },
          template: podTemplate(s, s.versions.at(-1)!),
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
        },
        status: {},
      };
      this.deployments.set(s.name, dep);
      // One ReplicaSet per past version; the last one is live.
      s.versions.forEach((version, i) => {
        const createdAt = this.now - (s.versions.length - i) * (3 + rng.int(9)) * DAY + rng.int(DAY);
        const rs = this.newReplicaSet(dep, podTemplate(s, version), i + 1, createdAt);
        rs.spec.replicas = i === s.versions.length - 1 ? s.replicas : 0;
      });
      dep.metadata.annotations["deployment.kubernetes.io/revision"] = String(s.versions.length);
      dep.metadata.generation = s.versions.length;
      const live = this.replicaSetsOf(s.name).at(-1)!;
      const startedAt = Math.max(Date.parse(live.metadata.creationTimestamp), this.now - 6 * DAY) + rng.int(DAY);
      for (let i = 0; i < s.replicas; i++) this.createPod(s, "ReplicaSet", live, Math.min(this.now - 3_600_000, startedAt + rng.int(60_000)), true);
    } else if (s.workload === "StatefulSet") {
      const sts: K8sObject = {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: objectMeta(s.name, rng.uuid(), this.createdAt, workloadLabels(s)),
        spec: { replicas: s.replicas, serviceName: s.name, selector: { matchLabels: { app: s.name } }, template: podTemplate(s, s.versions.at(-1)!), podManagementPolicy: "OrderedReady", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } } },
        status: {},
      };
      this.statefulsets.set(s.name, sts);
      for (let i = 0; i < s.replicas; i++) this.createPod(s, "StatefulSet", sts, this.now - (10 + rng.int(20)) * DAY, true, `${s.name}-${i}`);
    } else if (s.workload === "CronJob") {
      const cj: K8sObject = {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: objectMeta(s.name, rng.uuid(), this.createdAt, workloadLabels(s)),
        spec: { schedule: "0 2 * * *", concurrencyPolicy: "Forbid", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { backoffLimit: 0, template: podTemplate(s, s.versions.at(-1)!) } } },
        status: {},
      };
      this.cronjobs.set(s.name, cj);
      const lastRun = Math.floor((this.now - 2 * 3_600_000) / DAY) * DAY + 2 * 3_600_000;
      const job = this.createJob(s, lastRun);
      const pod = this.createPod(s, "Job", job, lastRun + 2000, true);
      this.finishJob(job, pod, lastRun + 41 * 60_000, true);
      cj.status = { lastScheduleTime: iso(lastRun), lastSuccessfulTime: iso(lastRun + 41 * 60_000) };
    }
  }

  newReplicaSet(dep: K8sObject, template: K8sObject, revision: number, createdAt: number): K8sObject {
    const hash = templateHash(template);
    const tpl = structuredClone(template);
    tpl.metadata.labels = { ...tpl.metadata.labels, "pod-template-hash": hash };
    const rs: K8sObject = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        ...objectMeta(`${dep.metadata.name}-${hash}`, this.rng.uuid(), createdAt, { ...tpl.metadata.labels }),
        annotations: {
          "deployment.kubernetes.io/desired-replicas": String(dep.spec.replicas),
          "deployment.kubernetes.io/max-replicas": String(dep.spec.replicas + 1),
          "deployment.kubernetes.io/revision": String(revision),
        },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: dep.metadata.name, uid: dep.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: 0, selector: { matchLabels: { app: dep.metadata.name, "pod-template-hash": hash } }, template: tpl },
      status: { replicas: 0, observedGeneration: 1 },
    };
    rs.metadata.resourceVersion = this.nextRv();
    this.replicasets.set(rs.metadata.name, rs);
    return rs;
  }

  createJob(s: ServiceSpec, at: number): K8sObject {
    const cj = this.cronjobs.get(s.name)!;
    const name = `${s.name}-${Math.floor(at / 60_000)}`;
    const job: K8sObject = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { ...objectMeta(name, this.rng.uuid(), at, { ...workloadLabels(s), "job-name": name }), ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: s.name, uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      spec: { backoffLimit: 0, completions: 1, parallelism: 1, template: structuredClone(cj.spec.jobTemplate.spec.template) },
      status: { active: 1, startTime: iso(at) },
    };
    this.jobs.set(name, job);
    return job;
  }

  finishJob(job: K8sObject, pod: SimPod, at: number, ok: boolean, message = ""): void {
    pod.phase = ok ? "Succeeded" : "Failed";
    pod.lastTerminated = { reason: ok ? "Completed" : "Error", exitCode: ok ? 0 : 1, startedAt: pod.containerStartedAt, finishedAt: at, message };
    pod.readyAt = Number.POSITIVE_INFINITY;
    job.status = ok
      ? { startTime: job.status.startTime, completionTime: iso(at), succeeded: 1, conditions: [{ type: "Complete", status: "True", lastProbeTime: iso(at), lastTransitionTime: iso(at) }] }
      : { startTime: job.status.startTime, failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit", lastProbeTime: iso(at), lastTransitionTime: iso(at) }] };
    this.touch(job);
  }

  /** Creates a pod (Pending, or already running since `at` when `running`). */
  createPod(s: ServiceSpec, ownerKind: SimPod["ownerKind"], owner: K8sObject, at: number, running: boolean, fixedName?: string): SimPod {
    const template = structuredClone(owner.spec.template ?? owner.spec.jobTemplate?.spec?.template);
    const hash: string | undefined = template.metadata?.labels?.["pod-template-hash"];
    const name = fixedName ?? `${owner.metadata.name}-${this.rng.chars(5)}`;
    const node = NODES[this.rng.int(NODES.length)]!;
    const pod: SimPod = {
      name,
      uid: this.rng.uuid(),
      service: s.name,
      namespace: NAMESPACE,
      ownerKind,
      ownerName: owner.metadata.name,
      ownerUid: owner.metadata.uid,
      templateHash: hash,
      template,
      image: template.spec.containers[0].image,
      version: templateVersion(template),
      node,
      ip: `10.0.${NODES.indexOf(node) + 1}.${30 + this.rng.int(220)}`,
      createdAt: at,
      containerStartedAt: running ? at : at + startupDelay(s),
      readyAt: running ? at : at + startupDelay(s) + readinessDelay(s),
      restartCount: 0,
      phase: running ? "Running" : "Pending",
      containerId: `containerd://${this.rng.hex(64)}`,
      memBytes: s.memBaseMiB * 1024 * 1024,
      cpuSecondsTotal: 0,
      cpuCores: s.cpuIdleCores,
      diskBytes: s.diskBytes * s.diskBaseRatio,
      logs: [],
      previousLogs: [],
    };
    this.pods.set(name, pod);
    if (!running) {
      this.event({ kind: "Pod", name, uid: pod.uid }, "Scheduled", `Successfully assigned ${NAMESPACE}/${name} to ${node}`, "Normal", "default-scheduler");
      this.event({ kind: ownerKind, name: owner.metadata.name, uid: owner.metadata.uid }, "SuccessfulCreate", `Created pod: ${name}`, "Normal", ownerKind === "ReplicaSet" ? "replicaset-controller" : ownerKind === "Job" ? "job-controller" : "statefulset-controller");
    }
    return pod;
  }

  removePod(pod: SimPod, reason: string): void {
    this.pods.delete(pod.name);
    this.event({ kind: "Pod", name: pod.name, uid: pod.uid, fieldPath: `spec.containers{${pod.service}}` }, "Killing", `Stopping container ${pod.service}`, "Normal", "kubelet", pod.node);
    if (reason === "scale-down") {
      const rs = this.replicasets.get(pod.ownerName);
      if (rs) this.event({ kind: "ReplicaSet", name: rs.metadata.name, uid: rs.metadata.uid }, "SuccessfulDelete", `Deleted pod: ${pod.name}`, "Normal", "replicaset-controller");
    }
  }

  replicaSetsOf(deployment: string): K8sObject[] {
    return [...this.replicasets.values()].filter((rs) => rs.metadata.ownerReferences?.[0]?.name === deployment).sort((a, b) => revisionOf(a) - revisionOf(b));
  }

  podsOf(ownerName: string): SimPod[] {
    return [...this.pods.values()].filter((p) => p.ownerName === ownerName);
  }

  servicePods(service: string): SimPod[] {
    return [...this.pods.values()].filter((p) => p.service === service && p.phase !== "Succeeded" && p.phase !== "Failed");
  }

  /** Records an event; repeats of the same (object, reason, message) bump its count. */
  event(involved: { kind: string; name: string; uid: string; fieldPath?: string; namespace?: string }, reason: string, message: string, type: "Normal" | "Warning", component: string, host?: string): void {
    const namespace = involved.namespace ?? (involved.kind === "Node" ? "default" : NAMESPACE);
    const same = this.events.find((e) => e.involved.uid === involved.uid && e.reason === reason && e.message === message);
    if (same) {
      same.count += 1;
      same.lastTimestamp = this.now;
      same.resourceVersion = this.nextRv();
      return;
    }
    this.events.push({
      uid: this.rng.uuid(),
      name: `${involved.name}.${(this.now * 1000 + this.events.length).toString(16).slice(-16)}`,
      namespace,
      involved: { kind: involved.kind, name: involved.name, namespace, uid: involved.uid, fieldPath: involved.fieldPath },
      reason,
      message,
      type,
      component,
      host,
      count: 1,
      firstTimestamp: this.now,
      lastTimestamp: this.now,
      resourceVersion: this.nextRv(),
    });
    // Kubernetes keeps events for an hour; keep a bounded list.
    if (this.events.length > 2000) this.events.splice(0, this.events.length - 2000);
  }
}

export function revisionOf(rs: K8sObject): number {
  return Number(rs.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? 0);
}

export function startupDelay(s: ServiceSpec): number {
  return s.runtime === "java" ? 4000 : 2000;
}

export function readinessDelay(s: ServiceSpec): number {
  return s.runtime === "java" ? 20_000 : s.runtime === "python" ? 8000 : 5000;
}

export { CLUSTER };
