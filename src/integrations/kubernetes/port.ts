/** Kubernetes as the product sees it: read state, and act on workloads (every action can dry-run). */

export interface DeploymentSummary {
  namespace: string;
  name: string;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  updatedReplicas: number;
  /** `deployment.kubernetes.io/revision` */
  revision: number;
  images: string[];
  /** The image tag of the first container (or the `version` label). */
  version?: string;
  paused: boolean;
  generation: number;
  observedGeneration: number;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string }>;
  labels: Record<string, string>;
  createdAt?: string;
}

export interface ContainerSummary {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  state: "running" | "waiting" | "terminated" | "unknown";
  /** Waiting or terminated reason (CrashLoopBackOff, ContainerCreating, Completed, …). */
  reason?: string;
  message?: string;
  startedAt?: string;
  lastTerminated?: { reason?: string; exitCode: number; startedAt?: string; finishedAt?: string };
}

export interface PodSummary {
  namespace: string;
  name: string;
  phase: string;
  /** What `kubectl get pods` shows in STATUS (Running, CrashLoopBackOff, OOMKilled, Completed, …). */
  status: string;
  ready: boolean;
  restarts: number;
  node?: string;
  ip?: string;
  createdAt?: string;
  /** Controller chain, e.g. ReplicaSet `cart-7d9f` → Deployment `cart` (from the name and labels). */
  owner?: { kind: string; name: string };
  deployment?: string;
  labels: Record<string, string>;
  containers: ContainerSummary[];
}

export interface ClusterEvent {
  namespace: string;
  type: string;
  reason: string;
  message: string;
  object: { kind: string; name: string };
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  source?: string;
}

export interface RolloutRevision {
  revision: number;
  replicaSet: string;
  images: string[];
  createdAt?: string;
  replicas: number;
  readyReplicas: number;
  /** The live revision of the deployment. */
  current: boolean;
  changeCause?: string;
  /** The pod template's `kubectl.kubernetes.io/restartedAt` (set by a rollout restart). */
  restartedAt?: string;
}

export interface ActionOptions {
  /** Server-side dry run (`dryRun=All`): validated, nothing changes. */
  dryRun?: boolean;
}

export interface ActionResult {
  action: "rollout_restart" | "scale" | "rollback" | "pause_rollout" | "resume_rollout" | "delete_pod";
  namespace: string;
  name: string;
  dryRun: boolean;
  detail: string;
  /** For rollback: the revision restored. For scale: the new replica count. */
  revision?: number;
  replicas?: number;
}

/** A Service as topology discovery needs it. */
export interface ServiceShape {
  namespace: string;
  name: string;
  /** ClusterIP, NodePort, LoadBalancer or ExternalName. */
  type: string;
  /** Pods it routes to (absent: endpoints managed elsewhere, or ExternalName). */
  selector?: Record<string, string>;
  /** ExternalName: the DNS name it aliases. */
  externalName?: string;
  labels: Record<string, string>;
}

/** A workload (Deployment, StatefulSet, DaemonSet, CronJob, Job, ReplicaSet) and its pod template. */
export interface WorkloadShape {
  namespace: string;
  kind: string;
  name: string;
  uid?: string;
  labels: Record<string, string>;
  /** Labels of its pods (the pod template's). */
  podLabels: Record<string, string>;
  /** Literal env values of every container (init containers included). */
  env: Array<{ name: string; value: string }>;
  /** ConfigMaps its pods read: envFrom, env valueFrom configMapKeyRef (with the key), volumes. */
  configMaps: Array<{ name: string; key?: string; as: string }>;
  /** The controller that owns it (a ReplicaSet's Deployment, a Job's CronJob). */
  owner?: { kind: string; name: string; uid?: string };
}

/** A pod's labels and its controller (owner reference). */
export interface PodShape {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  owner?: { kind: string; name: string; uid?: string };
}

/** What topology discovery reads from a cluster, in one go. */
export interface ClusterShape {
  services: ServiceShape[];
  workloads: WorkloadShape[];
  pods: PodShape[];
  configMaps: Array<{ namespace: string; name: string; data: Record<string, string> }>;
}

export interface KubernetesPort {
  /** Services, workloads (with pod templates' env and ConfigMap references), pods and ConfigMaps of one namespace or all. */
  clusterShape(namespace?: string): Promise<ClusterShape>;
  listDeployments(namespace?: string, options?: { labelSelector?: string }): Promise<DeploymentSummary[]>;
  getDeployment(namespace: string, name: string): Promise<DeploymentSummary | undefined>;
  listPods(namespace?: string, options?: { labelSelector?: string; deployment?: string }): Promise<PodSummary[]>;
  podLogs(namespace: string, pod: string, options?: { container?: string; tailLines?: number; sinceSeconds?: number; previous?: boolean; timestamps?: boolean }): Promise<string>;
  events(namespace?: string, options?: { objectName?: string; objectKind?: string; limit?: number }): Promise<ClusterEvent[]>;
  /** ReplicaSets of a deployment by revision, oldest first. */
  rolloutHistory(namespace: string, deployment: string): Promise<RolloutRevision[]>;
  /** `kubectl rollout restart`: patches `kubectl.kubernetes.io/restartedAt` on the pod template. */
  restartDeployment(namespace: string, name: string, options?: ActionOptions & { at?: Date }): Promise<ActionResult>;
  /** Through the scale subresource. */
  scaleDeployment(namespace: string, name: string, replicas: number, options?: ActionOptions): Promise<ActionResult>;
  /** `kubectl rollout undo`: restores the previous (or the given) revision's pod template. */
  rollbackDeployment(namespace: string, name: string, options?: ActionOptions & { toRevision?: number }): Promise<ActionResult>;
  /** `kubectl rollout pause` (or resume with `paused: false`). */
  pauseRollout(namespace: string, name: string, options?: ActionOptions & { paused?: boolean }): Promise<ActionResult>;
  deletePod(namespace: string, name: string, options?: ActionOptions): Promise<ActionResult>;
}
