/** Plain JSON Kubernetes object (the API serves these as they are). */
export type K8sObject = Record<string, any>;

export interface LogLine {
  /** sim ms */
  at: number;
  text: string;
}

export interface ContainerTermination {
  reason: string;
  exitCode: number;
  startedAt: number;
  finishedAt: number;
  message?: string;
}

/** One simulated pod (a single container, named after the service). */
export interface SimPod {
  name: string;
  uid: string;
  service: string;
  namespace: string;
  ownerKind: "ReplicaSet" | "StatefulSet" | "Job";
  ownerName: string;
  ownerUid: string;
  templateHash?: string;
  /** The pod template it was created from (deep copy). */
  template: K8sObject;
  image: string;
  version: string;
  node: string;
  ip: string;
  createdAt: number;
  /** When the container (re)started; memory and leaks count from here. */
  containerStartedAt: number;
  /** When the container becomes ready (readiness probe passes). */
  readyAt: number;
  restartCount: number;
  lastTerminated?: ContainerTermination;
  waiting?: { reason: string; message: string };
  /** Crash-loop bookkeeping: next container start and current back-off. */
  crash?: { nextStartAt: number; backoffMs: number };
  deletionTimestamp?: number;
  phase: "Pending" | "Running" | "Succeeded" | "Failed";
  containerId: string;
  memBytes: number;
  cpuSecondsTotal: number;
  cpuCores: number;
  diskBytes: number;
  logs: LogLine[];
  previousLogs: LogLine[];
}

/** What faults do to one pod right now. */
export interface PodEffect {
  /** The container exits this long after each start (crash loop). */
  crash?: { exitCode: number; reason: string; logs: string[] };
  /** Share of this pod's requests that fail with 500, and the log line for them. */
  errorRatio?: number;
  errorCause?: "defect" | "disk-full";
  errorLog?: string;
  leakMiBPerMin?: number;
  leakSince?: number;
  diskFillBytesPerMin?: number;
  /** Connections this pod holds and never returns (pool leak). */
  leakedConnections?: number;
}

export interface SimEvent {
  uid: string;
  name: string;
  namespace: string;
  involved: { kind: string; name: string; namespace: string; uid: string; fieldPath?: string };
  reason: string;
  message: string;
  type: "Normal" | "Warning";
  component: string;
  host?: string;
  count: number;
  firstTimestamp: number;
  lastTimestamp: number;
  resourceVersion: string;
}
