import type { CloudWatchPort } from "../integrations/cloudwatch/port.ts";
import type { ClusterEvent, DeploymentSummary, KubernetesPort, PodSummary, RolloutRevision } from "../integrations/kubernetes/port.ts";
import type { PagerDutyOncall, PagerDutyPort } from "../integrations/pagerduty/port.ts";
import type { MetricsPort, RangeSeries } from "../integrations/prometheus/port.ts";

/**
 * What the toolsets read from the outside world: the read-only slices of the integration ports
 * (src/integrations/<vendor>). The real adapters (and the sandbox's, the same clients pointed at
 * the simulation) plug in as they are; tests pass in-memory objects with just these methods.
 */
export type KubernetesReadPort = Pick<KubernetesPort, "listDeployments" | "listPods" | "podLogs" | "events" | "rolloutHistory">;
export type PrometheusReadPort = Pick<MetricsPort, "queryRange" | "query">;
export type CloudWatchReadPort = Pick<CloudWatchPort, "listMetrics" | "getMetricData">;
export type OncallReadPort = Pick<PagerDutyPort, "listOncalls">;

export type K8sPodView = PodSummary;
export type K8sEventView = ClusterEvent;
export type K8sRevisionView = RolloutRevision;
export type K8sDeploymentView = DeploymentSummary;
export type PromRangeSeries = RangeSeries;
export type OncallView = PagerDutyOncall;

/** The integrations the toolsets read; each may be attached after start. */
export interface ToolsetPorts {
  kubernetes?: KubernetesReadPort;
  /** Prometheus (PromQL over HTTP). */
  metrics?: PrometheusReadPort;
  cloudwatch?: CloudWatchReadPort;
  pagerduty?: OncallReadPort;
}
