import type { KubeConfigSource } from "./client-node-adapter.ts";
import { plainKubeConfigFile } from "./plain-kubeconfig.ts";
import type { KubernetesPort } from "./port.ts";

/**
 * The KubernetesPort, made at its first call: the product is ready (webhooks stored) before anything
 * asks the cluster (topology discovery, diagnosis, remediation). A kubeconfig file that needs no more
 * than a token or a client certificate (`plainKubeConfig`; the sandbox's, most service accounts')
 * is served with plain HTTPS requests (RestKubernetes); anything else (exec plugins, auth providers,
 * the pod's own service account) by `@kubernetes/client-node`, loaded then (~0.5 s of CPU to import,
 * ~25 MiB of heap). A kubeconfig that cannot be read fails that first call (and every later one) as
 * it failed the product's start before.
 */
export function lazyKubernetes(source: KubeConfigSource): KubernetesPort {
  let port: Promise<KubernetesPort> | undefined;
  const k8s = () => (port ??= kubernetesAdapter(source));
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

/** The adapter for a kubeconfig: plain requests when it needs no more (see lazyKubernetes), else the client library's. */
export async function kubernetesAdapter(source: KubeConfigSource): Promise<KubernetesPort> {
  const plain = "kubeconfigPath" in source ? plainKubeConfigFile(source.kubeconfigPath, source.context) : undefined;
  if (plain) return new (await import("./rest-adapter.ts")).RestKubernetes(plain);
  return new (await import("./client-node-adapter.ts")).ClientNodeKubernetes(source);
}
