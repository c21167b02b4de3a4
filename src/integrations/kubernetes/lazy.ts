import type { KubeConfigSource } from "./client-node-adapter.ts";
import type { KubernetesPort } from "./port.ts";

/**
 * The KubernetesPort over `@kubernetes/client-node`, loaded at its first call: the client library
 * costs ~0.5 s of CPU to import, and the product is ready (webhooks stored) before anything asks
 * the cluster (topology discovery, diagnosis, remediation). A kubeconfig that cannot be read fails
 * that first call (and every later one) as it failed the product's start before.
 */
export function lazyKubernetes(source: KubeConfigSource): KubernetesPort {
  let port: Promise<KubernetesPort> | undefined;
  const k8s = () => (port ??= import("./client-node-adapter.ts").then((m) => new m.ClientNodeKubernetes(source)));
  return {
    clusterShape: async (...a) => (await k8s()).clusterShape(...a),
    listDeployments: async (...a) => (await k8s()).listDeployments(...a),
    getDeployment: async (...a) => (await k8s()).getDeployment(...a),
    listPods: async (...a) => (await k8s()).listPods(...a),
    podLogs: async (...a) => (await k8s()).podLogs(...a),
    events: async (...a) => (await k8s()).events(...a),
    rolloutHistory: async (...a) => (await k8s()).rolloutHistory(...a),
    restartDeployment: async (...a) => (await k8s()).restartDeployment(...a),
    scaleDeployment: async (...a) => (await k8s()).scaleDeployment(...a),
    rollbackDeployment: async (...a) => (await k8s()).rollbackDeployment(...a),
    pauseRollout: async (...a) => (await k8s()).pauseRollout(...a),
    deletePod: async (...a) => (await k8s()).deletePod(...a),
  };
}
