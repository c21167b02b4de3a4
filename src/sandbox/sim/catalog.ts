/**
 * The simulated web shop: a dozen services, what each one calls, and the numbers that drive the
 * model (traffic, capacity, latency, resources). Traffic enters at `frontend` (and the queue for the
 * worker) and flows down the call edges; faults flow back up them.
 */

export type ServiceKind = "web" | "api" | "worker" | "job" | "database" | "cache" | "queue" | "external";
export type Workload = "Deployment" | "StatefulSet" | "CronJob" | "External";

export interface CallSpec {
  to: string;
  /** Calls made per incoming request (0.25 = a quarter of requests make one call). */
  perRequest: number;
  /** A failure of the callee fails the caller's request (false: degraded, the caller falls back). */
  critical: boolean;
  /** The caller gives up after this long (a 504 on its side). */
  timeoutMs: number;
}

export interface ServiceSpec {
  name: string;
  kind: ServiceKind;
  workload: Workload;
  team: string;
  description: string;
  /** Implementation flavour, used for realistic log lines. */
  runtime: "node" | "go" | "java" | "python" | "postgres" | "redis" | "rabbitmq" | "none";
  image: string;
  /** Deploy history, oldest first; the last one runs at start. */
  versions: string[];
  replicas: number;
  /** Requests per second entering this service from outside at the daily peak (frontend only). */
  ingressRps: number;
  /** Requests per second one ready pod handles before queueing dominates. */
  podCapacityRps: number;
  /** Own median latency (ms) and log-normal spread. */
  latencyMs: number;
  sigma: number;
  baseErrorRatio: number;
  cpuIdleCores: number;
  cpuPerRps: number;
  cpuLimitCores: number;
  memBaseMiB: number;
  memLimitMiB: number;
  /** Ephemeral/persistent volume size (bytes) and its usual use. */
  diskBytes: number;
  diskBaseRatio: number;
  port: number;
  calls: CallSpec[];
}

const GiB = 1024 ** 3;

export const NAMESPACE = "shop";
export const CLUSTER = "prod-eu-1";
export const REGISTRY = "registry.acme-shop.io/shop";

function svc(s: Omit<ServiceSpec, "image"> & { image?: string }): ServiceSpec {
  return { ...s, image: s.image ?? `${REGISTRY}/${s.name}` };
}

export const SERVICES: ServiceSpec[] = [
  svc({
    name: "frontend",
    kind: "web",
    workload: "Deployment",
    team: "web",
    runtime: "node",
    description: "Storefront web server (Next.js SSR)",
    versions: ["5.11.0", "5.12.0", "5.12.1"],
    replicas: 4,
    ingressRps: 400,
    podCapacityRps: 170,
    latencyMs: 35,
    sigma: 0.45,
    baseErrorRatio: 0.0008,
    cpuIdleCores: 0.05,
    cpuPerRps: 0.0016,
    cpuLimitCores: 1,
    memBaseMiB: 310,
    memLimitMiB: 1024,
    diskBytes: 2 * GiB,
    diskBaseRatio: 0.12,
    port: 3000,
    calls: [
      { to: "catalog", perRequest: 0.65, critical: true, timeoutMs: 1500 },
      { to: "cart", perRequest: 0.3, critical: true, timeoutMs: 1500 },
      { to: "search", perRequest: 0.15, critical: false, timeoutMs: 800 },
      { to: "checkout", perRequest: 0.08, critical: true, timeoutMs: 3000 },
    ],
  }),
  svc({
    name: "checkout",
    kind: "api",
    workload: "Deployment",
    team: "payments",
    runtime: "go",
    description: "Checkout API: prices the cart, reserves stock, takes payment, writes the order",
    versions: ["3.7.2", "3.8.0"],
    replicas: 3,
    ingressRps: 0,
    podCapacityRps: 30,
    latencyMs: 45,
    sigma: 0.4,
    baseErrorRatio: 0.001,
    cpuIdleCores: 0.03,
    cpuPerRps: 0.006,
    cpuLimitCores: 1,
    memBaseMiB: 120,
    memLimitMiB: 512,
    diskBytes: 1 * GiB,
    diskBaseRatio: 0.05,
    port: 8080,
    calls: [
      { to: "cart", perRequest: 1, critical: true, timeoutMs: 1000 },
      { to: "inventory", perRequest: 1, critical: true, timeoutMs: 1000 },
      { to: "payments", perRequest: 1, critical: true, timeoutMs: 2500 },
      { to: "orders-db", perRequest: 3, critical: true, timeoutMs: 1000 },
      { to: "queue", perRequest: 1, critical: true, timeoutMs: 500 },
    ],
  }),
  svc({
    name: "payments",
    kind: "api",
    workload: "Deployment",
    team: "payments",
    runtime: "java",
    description: "Payments API (Spring Boot, HikariCP pool to orders-db)",
    versions: ["8.3.1", "8.4.0"],
    replicas: 3,
    ingressRps: 0,
    podCapacityRps: 28,
    latencyMs: 40,
    sigma: 0.4,
    baseErrorRatio: 0.001,
    cpuIdleCores: 0.08,
    cpuPerRps: 0.01,
    cpuLimitCores: 2,
    memBaseMiB: 640,
    memLimitMiB: 1536,
    diskBytes: 1 * GiB,
    diskBaseRatio: 0.08,
    port: 8080,
    calls: [
      { to: "payment-provider", perRequest: 1, critical: true, timeoutMs: 5000 },
      { to: "orders-db", perRequest: 2, critical: true, timeoutMs: 2000 },
    ],
  }),
  svc({
    name: "inventory",
    kind: "api",
    workload: "Deployment",
    team: "fulfilment",
    runtime: "python",
    description: "Stock levels and reservations (FastAPI)",
    versions: ["2.1.0", "2.2.0"],
    replicas: 3,
    ingressRps: 0,
    podCapacityRps: 40,
    latencyMs: 18,
    sigma: 0.4,
    baseErrorRatio: 0.0008,
    cpuIdleCores: 0.04,
    cpuPerRps: 0.008,
    cpuLimitCores: 1,
    memBaseMiB: 210,
    memLimitMiB: 512,
    diskBytes: 1 * GiB,
    diskBaseRatio: 0.06,
    port: 8000,
    calls: [
      { to: "cache", perRequest: 2, critical: false, timeoutMs: 200 },
      { to: "orders-db", perRequest: 0.4, critical: true, timeoutMs: 1000 },
    ],
  }),
  svc({
    name: "cart",
    kind: "api",
    workload: "Deployment",
    team: "web",
    runtime: "node",
    description: "Shopping cart service, sessions in Redis",
    versions: ["1.6.3", "1.7.0"],
    replicas: 4,
    ingressRps: 0,
    podCapacityRps: 48,
    latencyMs: 12,
    sigma: 0.35,
    baseErrorRatio: 0.0005,
    cpuIdleCores: 0.03,
    cpuPerRps: 0.004,
    cpuLimitCores: 0.5,
    memBaseMiB: 150,
    memLimitMiB: 384,
    diskBytes: 1 * GiB,
    diskBaseRatio: 0.04,
    port: 3000,
    calls: [{ to: "cache", perRequest: 2, critical: true, timeoutMs: 200 }],
  }),
  svc({
    name: "catalog",
    kind: "api",
    workload: "Deployment",
    team: "catalog",
    runtime: "go",
    description: "Product catalog and image thumbnails (image cache on an emptyDir volume)",
    versions: ["4.0.2", "4.1.0"],
    replicas: 3,
    ingressRps: 0,
    podCapacityRps: 150,
    latencyMs: 15,
    sigma: 0.4,
    baseErrorRatio: 0.0005,
    cpuIdleCores: 0.03,
    cpuPerRps: 0.0015,
    cpuLimitCores: 1,
    memBaseMiB: 90,
    memLimitMiB: 384,
    diskBytes: 5 * GiB,
    diskBaseRatio: 0.55,
    port: 8080,
    calls: [
      { to: "cache", perRequest: 1, critical: false, timeoutMs: 200 },
      { to: "orders-db", perRequest: 0.05, critical: true, timeoutMs: 1000 },
    ],
  }),
  svc({
    name: "search",
    kind: "api",
    workload: "Deployment",
    team: "catalog",
    runtime: "java",
    description: "Product search (embedded Lucene index)",
    versions: ["3.0.1", "3.0.4"],
    replicas: 2,
    ingressRps: 0,
    podCapacityRps: 60,
    latencyMs: 70,
    sigma: 0.5,
    baseErrorRatio: 0.001,
    cpuIdleCores: 0.1,
    cpuPerRps: 0.012,
    cpuLimitCores: 2,
    memBaseMiB: 900,
    memLimitMiB: 2048,
    diskBytes: 10 * GiB,
    diskBaseRatio: 0.4,
    port: 9200,
    calls: [{ to: "catalog", perRequest: 0.2, critical: false, timeoutMs: 500 }],
  }),
  svc({
    name: "order-processor",
    kind: "worker",
    workload: "Deployment",
    team: "fulfilment",
    runtime: "python",
    description: "Consumes the orders queue: confirms orders, sends e-mails, books shipping",
    versions: ["4.1.0", "4.2.0", "4.2.1"],
    replicas: 2,
    ingressRps: 0,
    podCapacityRps: 30,
    latencyMs: 120,
    sigma: 0.5,
    baseErrorRatio: 0.001,
    cpuIdleCores: 0.05,
    cpuPerRps: 0.02,
    cpuLimitCores: 1,
    memBaseMiB: 280,
    memLimitMiB: 768,
    diskBytes: 1 * GiB,
    diskBaseRatio: 0.05,
    port: 8000,
    calls: [
      { to: "queue", perRequest: 1, critical: true, timeoutMs: 500 },
      { to: "orders-db", perRequest: 4, critical: true, timeoutMs: 2000 },
    ],
  }),
  svc({
    name: "reporting",
    kind: "job",
    workload: "CronJob",
    team: "data",
    runtime: "python",
    description: "Nightly sales report (CronJob 02:00 UTC), reads orders-db",
    versions: ["1.3.0", "1.4.0"],
    replicas: 0,
    ingressRps: 0,
    podCapacityRps: 1,
    latencyMs: 1000,
    sigma: 0.3,
    baseErrorRatio: 0,
    cpuIdleCores: 0.2,
    cpuPerRps: 0,
    cpuLimitCores: 1,
    memBaseMiB: 400,
    memLimitMiB: 2048,
    diskBytes: 1 * GiB,
    diskBaseRatio: 0.1,
    port: 0,
    calls: [{ to: "orders-db", perRequest: 1, critical: true, timeoutMs: 3_600_000 }],
  }),
  svc({
    name: "orders-db",
    kind: "database",
    workload: "StatefulSet",
    team: "platform",
    runtime: "postgres",
    description: "PostgreSQL 16 primary holding orders, payments and stock",
    image: "docker.io/library/postgres",
    versions: ["16.3", "16.4"],
    replicas: 1,
    ingressRps: 0,
    podCapacityRps: 1200,
    latencyMs: 3,
    sigma: 0.6,
    baseErrorRatio: 0.0001,
    cpuIdleCores: 0.15,
    cpuPerRps: 0.0028,
    cpuLimitCores: 4,
    memBaseMiB: 3000,
    memLimitMiB: 8192,
    diskBytes: 200 * GiB,
    diskBaseRatio: 0.46,
    port: 5432,
    calls: [],
  }),
  svc({
    name: "cache",
    kind: "cache",
    workload: "StatefulSet",
    team: "platform",
    runtime: "redis",
    description: "Redis 7 cache and session store",
    image: "docker.io/library/redis",
    versions: ["7.2.4", "7.2.5"],
    replicas: 1,
    ingressRps: 0,
    podCapacityRps: 40000,
    latencyMs: 0.4,
    sigma: 0.5,
    baseErrorRatio: 0,
    cpuIdleCores: 0.05,
    cpuPerRps: 0.00008,
    cpuLimitCores: 1,
    memBaseMiB: 1400,
    memLimitMiB: 4096,
    diskBytes: 10 * GiB,
    diskBaseRatio: 0.2,
    port: 6379,
    calls: [],
  }),
  svc({
    name: "queue",
    kind: "queue",
    workload: "StatefulSet",
    team: "platform",
    runtime: "rabbitmq",
    description: "RabbitMQ broker (orders queue)",
    image: "docker.io/library/rabbitmq",
    versions: ["3.12.13", "3.13.1"],
    replicas: 1,
    ingressRps: 0,
    podCapacityRps: 5000,
    latencyMs: 1.5,
    sigma: 0.5,
    baseErrorRatio: 0,
    cpuIdleCores: 0.1,
    cpuPerRps: 0.0005,
    cpuLimitCores: 1,
    memBaseMiB: 500,
    memLimitMiB: 2048,
    diskBytes: 20 * GiB,
    diskBaseRatio: 0.1,
    port: 5672,
    calls: [],
  }),
  svc({
    name: "payment-provider",
    kind: "external",
    workload: "External",
    team: "payments",
    runtime: "none",
    description: "External card processor (api.paygate.example), measured from our egress",
    image: "",
    versions: ["v2"],
    replicas: 0,
    ingressRps: 0,
    podCapacityRps: 1e9,
    latencyMs: 160,
    sigma: 0.35,
    baseErrorRatio: 0.002,
    cpuIdleCores: 0,
    cpuPerRps: 0,
    cpuLimitCores: 0,
    memBaseMiB: 0,
    memLimitMiB: 0,
    diskBytes: 0,
    diskBaseRatio: 0,
    port: 443,
    calls: [],
  }),
];

export const SERVICE_BY_NAME: ReadonlyMap<string, ServiceSpec> = new Map(SERVICES.map((s) => [s.name, s]));

export function serviceSpec(name: string): ServiceSpec {
  const s = SERVICE_BY_NAME.get(name);
  if (!s) throw new Error(`unknown simulated service ${name}`);
  return s;
}

/** Services that speak HTTP and get RED metrics under `http_*`. */
export function isHttp(s: ServiceSpec): boolean {
  return s.kind === "web" || s.kind === "api" || s.kind === "external";
}

/** Services that run as pods. */
export function hasPods(s: ServiceSpec): boolean {
  return s.workload !== "External";
}
