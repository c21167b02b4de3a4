import type { ServiceSpec } from "../catalog.ts";
import type { Rng } from "../../../domain/random.ts";
import type { ErrorCause, Signals } from "./signals.ts";
import type { SimPod } from "./types.ts";

const PATHS: Record<string, string[]> = {
  frontend: ["GET /", "GET /products/sku-1042", "GET /cart", "POST /checkout", "GET /search?q=boots", "GET /category/shoes"],
  checkout: ["POST /v1/checkout", "POST /v1/checkout/quote", "GET /v1/orders/ord_8812"],
  payments: ["POST /api/payments/authorize", "POST /api/payments/capture", "POST /api/refunds"],
  inventory: ["GET /stock/sku-1042", "POST /reservations", "GET /stock/sku-2210"],
  cart: ["GET /carts/c_19a2", "PUT /carts/c_19a2/items", "DELETE /carts/c_19a2/items/sku-1042"],
  catalog: ["GET /products/sku-1042", "GET /products?category=shoes", "GET /thumbnails/sku-1042/320.webp"],
  search: ["GET /search?q=boots", "GET /search?q=rain+jacket", "GET /suggest?q=sne"],
};

function stamp(ms: number, style: "iso" | "java" | "python" | "pg" | "redis"): string {
  const d = new Date(ms);
  const isoText = d.toISOString();
  if (style === "iso") return isoText;
  const date = isoText.slice(0, 10);
  const time = isoText.slice(11, 23);
  if (style === "java") return `${date} ${time}`;
  if (style === "python") return `${date} ${time.replace(".", ",")}`;
  if (style === "pg") return `${date} ${time} UTC`;
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  return `${String(d.getUTCDate()).padStart(2, "0")} ${mon} ${d.getUTCFullYear()} ${time}`;
}

/** One access-log line in the service's own format. */
export function accessLine(s: ServiceSpec, pod: SimPod, rng: Rng, at: number, status: number, ms: number): string {
  const [method, path] = rng.pick(PATHS[s.name] ?? ["GET /healthz"]).split(" ") as [string, string];
  const trace = rng.hex(32);
  switch (s.runtime) {
    case "node":
      return JSON.stringify({ level: status >= 500 ? 50 : 30, time: at, pid: 1, hostname: pod.name, req: { method, url: path }, res: { statusCode: status }, responseTime: Math.round(ms), trace_id: trace, msg: status >= 500 ? "request errored" : "request completed" });
    case "go":
      return `time=${stamp(at, "iso")} level=${status >= 500 ? "ERROR" : "INFO"} msg="request completed" method=${method} path=${path} status=${status} duration=${ms.toFixed(1)}ms trace_id=${trace}`;
    case "java":
      return `${stamp(at, "java")}  ${status >= 500 ? "WARN" : "INFO"} 1 --- [nio-8080-exec-${1 + rng.int(9)}] o.s.web.servlet.DispatcherServlet : Completed ${status} ${method} ${path} in ${Math.round(ms)} ms`;
    case "python":
      return `${stamp(at, "python")} INFO [uvicorn.access] 10.0.${1 + rng.int(3)}.${30 + rng.int(200)}:${40000 + rng.int(20000)} - "${method} ${path} HTTP/1.1" ${status}`;
    default:
      return "";
  }
}

/** A realistic error line for a failure cause, in the service's own format. */
export function errorLine(s: ServiceSpec, rng: Rng, at: number, cause: ErrorCause, dep: string | undefined, custom?: string): string {
  const trace = rng.hex(32);
  const text = custom ?? causeText(s, cause, dep, rng);
  switch (s.runtime) {
    case "node":
      return JSON.stringify({ level: 50, time: at, pid: 1, trace_id: trace, err: { type: "Error", message: text }, msg: text });
    case "go":
      return `time=${stamp(at, "iso")} level=ERROR msg="${text.replace(/"/g, "'")}" trace_id=${trace}`;
    case "java":
      return `${stamp(at, "java")} ERROR 1 --- [nio-8080-exec-${1 + rng.int(9)}] c.a.s.${s.name === "payments" ? "payments.PaymentController" : "search.SearchController"} : ${text}`;
    case "python":
      return `${stamp(at, "python")} ERROR [${s.name}.app] ${text}`;
    case "postgres":
      return `${stamp(at, "pg")} [${20000 + rng.int(40000)}] ${text}`;
    case "redis":
      return `1:M ${stamp(at, "redis")} # ${text}`;
    default:
      return text;
  }
}

function causeText(s: ServiceSpec, cause: ErrorCause, dep: string | undefined, rng: Rng): string {
  switch (cause) {
    case "upstream-timeout":
      if (dep === "orders-db") return s.runtime === "go" ? "pq: canceling statement due to statement timeout" : `timeout waiting for orders-db query after ${s.calls.find((c) => c.to === dep)?.timeoutMs ?? 1000}ms`;
      return s.runtime === "go" ? `upstream ${dep} call failed: context deadline exceeded (Client.Timeout exceeded while awaiting headers) url=http://${dep}.shop.svc:8080` : `upstream request to ${dep} timed out after ${s.calls.find((c) => c.to === dep)?.timeoutMs ?? 1000}ms`;
    case "upstream-error":
      return s.runtime === "go" ? `upstream ${dep} returned 500 Internal Server Error` : `upstream ${dep} responded 502: bad gateway`;
    case "pool-exhausted":
      return s.runtime === "java" ? "o.h.engine.jdbc.spi.SqlExceptionHelper : HikariPool-1 - Connection is not available, request timed out after 5000ms (total=30, active=30, idle=0, waiting=41)" : "sqlalchemy.exc.TimeoutError: QueuePool limit of size 10 overflow 0 reached, connection timed out, timeout 5.00";
    case "overload":
      return s.runtime === "node" ? "request rejected: event loop lag 812ms exceeds 500ms (503 Service Unavailable)" : "server overloaded: too many in-flight requests, shedding load (503)";
    case "no-pods":
      return `no healthy upstream for ${s.name}`;
    case "disk-full":
      return `failed to write thumbnail cache /var/cache/thumbnails/${rng.hex(2)}/${rng.hex(8)}.webp: write: no space left on device (ENOSPC)`;
    case "defect":
      return "unhandled exception";
    default:
      return s.runtime === "java" ? "java.lang.IllegalStateException: unexpected null response body" : "internal error: unexpected EOF";
  }
}

/** Log lines for one pod over one step: a sample of access logs and error lines for what failed. */
export function podLogLines(s: ServiceSpec, pod: SimPod, sig: Signals, rng: Rng, from: number, stepMs: number, customError?: string): Array<{ at: number; text: string }> {
  const out: Array<{ at: number; text: string }> = [];
  const reqs = (sig.rps * stepMs) / 1000 / Math.max(1, sig.readyPods);
  if (s.kind === "web" || s.kind === "api") {
    const n = Math.min(3, Math.max(1, Math.round(reqs / 400)));
    for (let i = 0; i < n; i++) {
      const at = from + rng.int(stepMs);
      out.push({ at, text: accessLine(s, pod, rng, at, 200, sig.p50 * 1000 * (0.7 + rng.next())) });
    }
  }
  for (const c of sig.causes) {
    if (c.cause === "internal" && c.ratio < 0.01) {
      if (rng.next() < 0.05) out.push({ at: from + rng.int(stepMs), text: errorLine(s, rng, from + rng.int(stepMs), "internal", undefined) });
      continue;
    }
    const expected = reqs * c.ratio;
    const n = Math.min(6, expected < 1 ? (rng.next() < expected ? 1 : 0) : Math.ceil(Math.log2(1 + expected)));
    for (let i = 0; i < n; i++) {
      const at = from + rng.int(stepMs);
      out.push({ at, text: errorLine(s, rng, at, c.cause, c.dep, c.cause === "defect" || c.cause === "disk-full" ? customError : undefined) });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
