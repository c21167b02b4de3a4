import { registerHooks } from "node:module";
import type {
  AppsV1ApiListDaemonSetForAllNamespacesRequest,
  AppsV1ApiListDeploymentForAllNamespacesRequest,
  AppsV1ApiListNamespacedDaemonSetRequest,
  AppsV1ApiListNamespacedDeploymentRequest,
  AppsV1ApiListNamespacedReplicaSetRequest,
  AppsV1ApiListNamespacedStatefulSetRequest,
  AppsV1ApiListReplicaSetForAllNamespacesRequest,
  AppsV1ApiListStatefulSetForAllNamespacesRequest,
  AppsV1ApiPatchNamespacedDeploymentRequest,
  AppsV1ApiPatchNamespacedDeploymentScaleRequest,
  AppsV1ApiReadNamespacedDeploymentRequest,
  AppsV1ApiReadNamespacedDeploymentScaleRequest,
  BatchV1ApiListCronJobForAllNamespacesRequest,
  BatchV1ApiListJobForAllNamespacesRequest,
  BatchV1ApiListNamespacedCronJobRequest,
  BatchV1ApiListNamespacedJobRequest,
  Configuration,
  ConfigurationOptions,
  CoreV1ApiDeleteNamespacedPodRequest,
  CoreV1ApiListConfigMapForAllNamespacesRequest,
  CoreV1ApiListEventForAllNamespacesRequest,
  CoreV1ApiListNamespacedConfigMapRequest,
  CoreV1ApiListNamespacedEventRequest,
  CoreV1ApiListNamespacedPodRequest,
  CoreV1ApiListNamespacedServiceRequest,
  CoreV1ApiListPodForAllNamespacesRequest,
  CoreV1ApiListServiceForAllNamespacesRequest,
  CoreV1ApiReadNamespacedPodLogRequest,
  HttpInfo,
  RequestContext,
  ResponseContext,
} from "@kubernetes/client-node";
import { AppsV1ApiRequestFactory, AppsV1ApiResponseProcessor } from "@kubernetes/client-node/dist/gen/apis/AppsV1Api.js";
import { BatchV1ApiRequestFactory, BatchV1ApiResponseProcessor } from "@kubernetes/client-node/dist/gen/apis/BatchV1Api.js";
import { CoreV1ApiRequestFactory, CoreV1ApiResponseProcessor } from "@kubernetes/client-node/dist/gen/apis/CoreV1Api.js";
import { mergeConfiguration } from "@kubernetes/client-node/dist/gen/configuration.js";

/**
 * The parts of `@kubernetes/client-node` the Kubernetes adapter uses, loaded without the rest of the
 * SDK (#17). The package root (dist/index.js) loads every API group's generated client, and its
 * generated index (gen/index.js) their ObservableAPI/PromiseAPI/ObjectParamAPI wrappers, two files of
 * 7 MB each: ~16 MiB of script source in the main thread's heap (a heap snapshot of the product in
 * sandbox mode, after topology discovery), where the adapter needs three API groups. The package
 * (2.x, an ES module) has no "exports" map, so its dist files are imported one by one:
 * - KubeConfig from dist/config.js, which imports createConfiguration and ServerConfiguration from
 *   gen/index.js and so loads all of it; a resolve hook (registered below, before config.js is
 *   imported) hands config.js sdk-config-gen.ts for that one import, a module exporting those two
 *   from the SDK's own files. Every other import, and every other importer of gen/index.js (the
 *   package root, if anything loads it), resolves as before.
 * - the generated request factories and response processors of CoreV1, AppsV1 and BatchV1
 *   (gen/apis/*.js: the request's path, query, body and auth; the response's status check,
 *   ApiException and deserialization through ObjectSerializer and its models), sent the way the
 *   SDK's ObservableAPI does it: the configuration's middleware, its HTTP library (the SDK's fetch
 *   over undici, with KubeConfig's TLS and auth), the middleware again on the response.
 * The classes below take the SDK's request objects (`{ namespace, labelSelector }`…) for the
 * operations the adapter calls, with the argument order of the SDK's ObjectParamAPI.
 */

const CONFIG_JS = "/@kubernetes/client-node/dist/config.js";
const configGen = new URL("./sdk-config-gen.ts", import.meta.url).href;
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === "./gen/index.js" && context.parentURL?.endsWith(CONFIG_JS)) return { url: configGen, shortCircuit: true };
    return nextResolve(specifier, context);
  },
});

export const { KubeConfig } = await import("@kubernetes/client-node/dist/config.js");
export type KubeConfig = InstanceType<typeof KubeConfig>;
export { ApiException } from "@kubernetes/client-node/dist/gen/apis/exception.js";
export { setHeaderOptions } from "@kubernetes/client-node/dist/middleware.js";
export { PatchStrategy } from "@kubernetes/client-node/dist/patch.js";

/** One request through the configuration (merged with the call's options), as the SDK's ObservableAPI sends it. */
async function send<T>(configuration: Configuration, options: ConfigurationOptions | undefined, build: (c: Configuration) => Promise<RequestContext>, parse: (r: ResponseContext) => Promise<HttpInfo<T>>): Promise<T> {
  const config = mergeConfiguration(configuration, options);
  let request = await build(config);
  for (const m of config.middleware) request = await m.pre(request).toPromise();
  let response = await config.httpApi.send(request).toPromise();
  for (const m of config.middleware.toReversed()) response = await m.post(response).toPromise();
  return (await parse(response)).data;
}

type Namespaced = CoreV1ApiListNamespacedPodRequest;
type AllNamespaces = CoreV1ApiListPodForAllNamespacesRequest;
/** A namespaced list's arguments, in the generated factory's order (the same for every list operation). */
const inNamespace = (p: Namespaced) => [p.namespace, p.pretty, p.allowWatchBookmarks, p._continue, p.fieldSelector, p.labelSelector, p.limit, p.resourceVersion, p.resourceVersionMatch, p.sendInitialEvents, p.shardSelector, p.timeoutSeconds, p.watch] as const;
/** A cluster-wide list's arguments, in the generated factory's order. */
const inAll = (p: AllNamespaces) => [p.allowWatchBookmarks, p._continue, p.fieldSelector, p.labelSelector, p.limit, p.pretty, p.resourceVersion, p.resourceVersionMatch, p.sendInitialEvents, p.shardSelector, p.timeoutSeconds, p.watch] as const;

/** CoreV1Api's operations the adapter calls; built by `KubeConfig.makeApiClient(CoreV1)` like the SDK's own CoreV1Api. */
export class CoreV1 {
  readonly #config: Configuration;
  readonly #f: CoreV1ApiRequestFactory;
  readonly #p = new CoreV1ApiResponseProcessor();
  constructor(configuration: Configuration) {
    this.#config = configuration;
    this.#f = new CoreV1ApiRequestFactory(configuration);
  }
  listNamespacedService(p: CoreV1ApiListNamespacedServiceRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedService(...inNamespace(p), c),
      (r) => this.#p.listNamespacedServiceWithHttpInfo(r),
    );
  }
  listServiceForAllNamespaces(p: CoreV1ApiListServiceForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listServiceForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listServiceForAllNamespacesWithHttpInfo(r),
    );
  }
  listNamespacedPod(p: CoreV1ApiListNamespacedPodRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedPod(...inNamespace(p), c),
      (r) => this.#p.listNamespacedPodWithHttpInfo(r),
    );
  }
  listPodForAllNamespaces(p: CoreV1ApiListPodForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listPodForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listPodForAllNamespacesWithHttpInfo(r),
    );
  }
  listNamespacedConfigMap(p: CoreV1ApiListNamespacedConfigMapRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedConfigMap(...inNamespace(p), c),
      (r) => this.#p.listNamespacedConfigMapWithHttpInfo(r),
    );
  }
  listConfigMapForAllNamespaces(p: CoreV1ApiListConfigMapForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listConfigMapForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listConfigMapForAllNamespacesWithHttpInfo(r),
    );
  }
  listNamespacedEvent(p: CoreV1ApiListNamespacedEventRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedEvent(...inNamespace(p), c),
      (r) => this.#p.listNamespacedEventWithHttpInfo(r),
    );
  }
  listEventForAllNamespaces(p: CoreV1ApiListEventForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listEventForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listEventForAllNamespacesWithHttpInfo(r),
    );
  }
  readNamespacedPodLog(p: CoreV1ApiReadNamespacedPodLogRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.readNamespacedPodLog(p.name, p.namespace, p.container, p.follow, p.insecureSkipTLSVerifyBackend, p.limitBytes, p.pretty, p.previous, p.sinceSeconds, p.stream, p.tailLines, p.timestamps, c),
      (r) => this.#p.readNamespacedPodLogWithHttpInfo(r),
    );
  }
  deleteNamespacedPod(p: CoreV1ApiDeleteNamespacedPodRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.deleteNamespacedPod(p.name, p.namespace, p.pretty, p.dryRun, p.gracePeriodSeconds, p.ignoreStoreReadErrorWithClusterBreakingPotential, p.orphanDependents, p.propagationPolicy, p.body, c),
      (r) => this.#p.deleteNamespacedPodWithHttpInfo(r),
    );
  }
}

/** AppsV1Api's operations the adapter calls; built by `KubeConfig.makeApiClient(AppsV1)`. */
export class AppsV1 {
  readonly #config: Configuration;
  readonly #f: AppsV1ApiRequestFactory;
  readonly #p = new AppsV1ApiResponseProcessor();
  constructor(configuration: Configuration) {
    this.#config = configuration;
    this.#f = new AppsV1ApiRequestFactory(configuration);
  }
  listNamespacedDeployment(p: AppsV1ApiListNamespacedDeploymentRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedDeployment(...inNamespace(p), c),
      (r) => this.#p.listNamespacedDeploymentWithHttpInfo(r),
    );
  }
  listDeploymentForAllNamespaces(p: AppsV1ApiListDeploymentForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listDeploymentForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listDeploymentForAllNamespacesWithHttpInfo(r),
    );
  }
  listNamespacedStatefulSet(p: AppsV1ApiListNamespacedStatefulSetRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedStatefulSet(...inNamespace(p), c),
      (r) => this.#p.listNamespacedStatefulSetWithHttpInfo(r),
    );
  }
  listStatefulSetForAllNamespaces(p: AppsV1ApiListStatefulSetForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listStatefulSetForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listStatefulSetForAllNamespacesWithHttpInfo(r),
    );
  }
  listNamespacedDaemonSet(p: AppsV1ApiListNamespacedDaemonSetRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedDaemonSet(...inNamespace(p), c),
      (r) => this.#p.listNamespacedDaemonSetWithHttpInfo(r),
    );
  }
  listDaemonSetForAllNamespaces(p: AppsV1ApiListDaemonSetForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listDaemonSetForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listDaemonSetForAllNamespacesWithHttpInfo(r),
    );
  }
  listNamespacedReplicaSet(p: AppsV1ApiListNamespacedReplicaSetRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedReplicaSet(...inNamespace(p), c),
      (r) => this.#p.listNamespacedReplicaSetWithHttpInfo(r),
    );
  }
  listReplicaSetForAllNamespaces(p: AppsV1ApiListReplicaSetForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listReplicaSetForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listReplicaSetForAllNamespacesWithHttpInfo(r),
    );
  }
  readNamespacedDeployment(p: AppsV1ApiReadNamespacedDeploymentRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.readNamespacedDeployment(p.name, p.namespace, p.pretty, c),
      (r) => this.#p.readNamespacedDeploymentWithHttpInfo(r),
    );
  }
  patchNamespacedDeployment(p: AppsV1ApiPatchNamespacedDeploymentRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.patchNamespacedDeployment(p.name, p.namespace, p.body, p.pretty, p.dryRun, p.fieldManager, p.fieldValidation, p.force, c),
      (r) => this.#p.patchNamespacedDeploymentWithHttpInfo(r),
    );
  }
  readNamespacedDeploymentScale(p: AppsV1ApiReadNamespacedDeploymentScaleRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.readNamespacedDeploymentScale(p.name, p.namespace, p.pretty, c),
      (r) => this.#p.readNamespacedDeploymentScaleWithHttpInfo(r),
    );
  }
  patchNamespacedDeploymentScale(p: AppsV1ApiPatchNamespacedDeploymentScaleRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.patchNamespacedDeploymentScale(p.name, p.namespace, p.body, p.pretty, p.dryRun, p.fieldManager, p.fieldValidation, p.force, c),
      (r) => this.#p.patchNamespacedDeploymentScaleWithHttpInfo(r),
    );
  }
}

/** BatchV1Api's operations the adapter calls; built by `KubeConfig.makeApiClient(BatchV1)`. */
export class BatchV1 {
  readonly #config: Configuration;
  readonly #f: BatchV1ApiRequestFactory;
  readonly #p = new BatchV1ApiResponseProcessor();
  constructor(configuration: Configuration) {
    this.#config = configuration;
    this.#f = new BatchV1ApiRequestFactory(configuration);
  }
  listNamespacedCronJob(p: BatchV1ApiListNamespacedCronJobRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedCronJob(...inNamespace(p), c),
      (r) => this.#p.listNamespacedCronJobWithHttpInfo(r),
    );
  }
  listCronJobForAllNamespaces(p: BatchV1ApiListCronJobForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listCronJobForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listCronJobForAllNamespacesWithHttpInfo(r),
    );
  }
  listNamespacedJob(p: BatchV1ApiListNamespacedJobRequest, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listNamespacedJob(...inNamespace(p), c),
      (r) => this.#p.listNamespacedJobWithHttpInfo(r),
    );
  }
  listJobForAllNamespaces(p: BatchV1ApiListJobForAllNamespacesRequest = {}, o?: ConfigurationOptions) {
    return send(
      this.#config,
      o,
      (c) => this.#f.listJobForAllNamespaces(...inAll(p), c),
      (r) => this.#p.listJobForAllNamespacesWithHttpInfo(r),
    );
  }
}
