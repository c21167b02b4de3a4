import { describe, expect, it } from "vitest";
import { clusterLogLines, maskMessage, parseLogLine, tracebackHeadline } from "../../src/toolsets/log-signatures.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const T0 = Date.parse("2025-03-14T02:10:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

describe("parseLogLine", () => {
  it("reads the Kubernetes timestamp prefix, Spring Boot level and strips the boilerplate", () => {
    const p = parseLogLine(`${iso(T0)} 2025-03-14 02:10:00.123 ERROR 1 --- [nio-8080-exec-3] c.a.s.payments.PaymentController : o.h.engine.jdbc.spi.SqlExceptionHelper : HikariPool-1 - Connection is not available, request timed out after 5000ms (total=30, active=30, idle=0, waiting=41)`);
    expect(p.at).toBe(T0);
    expect(p.level).toBe("error");
    expect(p.message).toMatch(/^o\.h\.engine\.jdbc\.spi\.SqlExceptionHelper : HikariPool-1 - Connection is not available/);
  });

  it("reads pino JSON lines: numeric level, time in ms, msg, and keeps the route of access entries", () => {
    const p = parseLogLine(JSON.stringify({ level: 50, time: T0 + 5, pid: 1, hostname: "frontend-7d9f-abcde", req: { method: "POST", url: "/checkout" }, res: { statusCode: 504 }, responseTime: 3001, msg: "request errored" }));
    expect(p).toEqual({ at: T0 + 5, level: "error", message: "request errored POST /checkout 504" });
    const info = parseLogLine(JSON.stringify({ level: 30, time: T0, msg: "request completed", res: { statusCode: 200 } }));
    expect(info.level).toBe("info");
  });

  it("reads logfmt (Go slog / logrus): level and msg, dropping trace ids", () => {
    const p = parseLogLine(`time=${iso(T0)} level=ERROR msg="upstream payments call failed: context deadline exceeded (Client.Timeout exceeded while awaiting headers)" trace_id=4bf92f3577b34da6a3ce929d0e0e4736`);
    expect(p.level).toBe("error");
    expect(p.at).toBe(T0);
    expect(p.message).toBe("upstream payments call failed: context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
  });

  it("treats 5xx access-log lines as errors even at INFO", () => {
    const p = parseLogLine(`2025-03-14 02:10:00,120 INFO [uvicorn.access] 10.0.2.77:51234 - "POST /reservations HTTP/1.1" 500`);
    expect(p.level).toBe("error");
    expect(p.at).toBe(T0 + 120);
    const ok = parseLogLine(`2025-03-14 02:10:00,120 INFO [uvicorn.access] 10.0.2.77:51234 - "GET /stock/sku-1042 HTTP/1.1" 200`);
    expect(ok.level).toBe("info");
  });

  it("reads PostgreSQL and Redis lines", () => {
    const pg = parseLogLine("2025-03-14 02:10:00.000 UTC [41234] ERROR:  canceling statement due to statement timeout");
    expect(pg.level).toBe("error");
    expect(pg.at).toBe(T0);
    const redis = parseLogLine("1:M 14 Mar 2025 02:10:00.000 # WARNING: maxmemory reached, evicting keys (allkeys-lru)");
    expect(redis.level).toBe("warn");
  });
});

describe("tracebackHeadline", () => {
  it("names a one-line Python traceback by its exception and where it was raised", () => {
    const flat = `Traceback (most recent call last): File "/app/api/views.py", line 40, in handle: return reserve(sku) File "/app/inventory/reservations.py", line 212, in reserve: wh = sku_row["warehouse_id"] KeyError: 'warehouse_id'`;
    expect(tracebackHeadline(flat)).toBe("KeyError: 'warehouse_id' (in reserve, /app/inventory/reservations.py:212)");
    expect(parseLogLine(`2026-12-05T10:00:00Z ${flat}`).message).toBe("KeyError: 'warehouse_id' (in reserve, /app/inventory/reservations.py:212)");
    expect(parseLogLine(JSON.stringify({ level: "error", msg: `Traceback (most recent call last):\n  File "/app/w.py", line 3, in run\n    go()\nrequests.exceptions.ConnectionError: refused` })).message).toBe("requests.exceptions.ConnectionError: refused (in run, /app/w.py:3)");
    // Not a traceback, or one without its exception line: as it was.
    expect(tracebackHeadline("KeyError: 'x'")).toBe("KeyError: 'x'");
    expect(tracebackHeadline('Traceback (most recent call last): File "/a.py", line 1, in f')).toBe('Traceback (most recent call last): File "/a.py", line 1, in f');
  });
});

describe("maskMessage", () => {
  it("masks numbers, ids, addresses and hex, keeps words and quoted keys", () => {
    expect(maskMessage("HikariPool-1 - Connection is not available, request timed out after 5000ms (total=30, active=30, idle=0, waiting=41)")).toBe("HikariPool-<n> - Connection is not available, request timed out after <n>ms (total=<n>, active=<n>, idle=<n>, waiting=<n>)");
    expect(maskMessage("dial tcp 10.0.3.17:5432: connect: connection refused")).toBe("dial tcp <ip>: connect: connection refused");
    expect(maskMessage("order 3f2a1c9e-77b1-4a0e-9c1d-5e2f8a9b0c11 failed for trace 4bf92f3577b34da6")).toBe("order <id> failed for trace <hex>");
    expect(maskMessage("KeyError: 'warehouse_id'")).toBe("KeyError: 'warehouse_id'");
    expect(maskMessage("GET /products/sku-1042 took 812ms")).toBe("GET /products/sku-<id> took <n>ms");
  });
});

describe("clusterLogLines", () => {
  it("turns a realistic payments log into a few signatures with counts, first seen and pods", () => {
    const lines: Array<{ text: string; source: string }> = [];
    for (let i = 0; i < 40; i++) {
      const at = T0 + i * 15_000;
      lines.push({ source: `payments-6c8f-${i % 3}`, text: `${iso(at)} ${iso(at).replace("T", " ").slice(0, 23)}  INFO 1 --- [nio-8080-exec-${(i % 9) + 1}] o.s.web.servlet.DispatcherServlet : Completed 200 POST /api/payments/authorize in ${40 + i} ms` });
      if (i >= 20) {
        lines.push({
          source: `payments-6c8f-${i % 3}`,
          text: `${iso(at + 500)} ${iso(at + 500)
            .replace("T", " ")
            .slice(0, 23)} ERROR 1 --- [nio-8080-exec-${(i % 9) + 1}] c.a.s.payments.PaymentController : o.h.engine.jdbc.spi.SqlExceptionHelper : HikariPool-1 - Connection is not available, request timed out after 5000ms (total=30, active=30, idle=0, waiting=${30 + i})`,
        });
      }
    }
    lines.push({ source: "payments-6c8f-0", text: `${iso(T0 + 400_000)} java.lang.IllegalStateException: unexpected null response body\n\tat com.acme.payments.Client.call(Client.java:88)\n\tat com.acme.payments.Service.authorize(Service.java:41)\n\t... 12 more` });
    const r = clusterLogLines(lines, { minLevel: "warn" });
    expect(r.signatures[0]).toMatchObject({
      level: "error",
      count: 20,
      firstSeen: T0 + 20 * 15_000 + 500,
      sources: ["payments-6c8f-0", "payments-6c8f-1", "payments-6c8f-2"],
    });
    expect(itemAt(r.signatures, 0).signature).toContain("HikariPool-<n> - Connection is not available");
    // The stack trace is one entry; its frames are not signatures of their own.
    expect(r.signatures.find((s) => s.signature.startsWith("java.lang.IllegalStateException"))?.count).toBe(1);
    expect(r.signatures.some((s) => s.signature.startsWith("at "))).toBe(false);
    // The access log is info: left out at minLevel warn, but it counts for coverage.
    expect(r.signatures.every((s) => s.level !== "info")).toBe(true);
    expect(r.coverage).toEqual({ from: T0, to: T0 + 39 * 15_000 + 500 });
  });

  it("merges templates that differ in one word (Drain-style) and keeps different errors apart", () => {
    const lines = [
      ...["payments", "inventory", "cart"].flatMap((dep, i) => Array.from({ length: 3 + i }, (_, k) => ({ text: `time=${iso(T0 + k * 1000)} level=ERROR msg="upstream ${dep} call failed: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"` }))),
      { text: `time=${iso(T0)} level=ERROR msg="pq: canceling statement due to statement timeout"` },
    ];
    const r = clusterLogLines(lines);
    expect(r.signatures).toHaveLength(2);
    expect(r.signatures[0]).toMatchObject({ count: 12, signature: "upstream <*> call failed: context deadline exceeded (Client.Timeout exceeded while awaiting headers)" });
    expect(itemAt(r.signatures, 1).signature).toBe("pq: canceling statement due to statement timeout");
  });

  it("reads a Node crash (ENOENT with its stack) and a Python traceback as errors", () => {
    const r = clusterLogLines([
      { text: JSON.stringify({ level: 30, time: T0, pid: 1, msg: "cart 1.8.0 starting" }) },
      { text: "Error: ENOENT: no such file or directory, open '/etc/cart/flags.yaml'" },
      { text: "    at Object.openSync (node:fs:573:18)" },
      { text: "    at loadFlags (/app/dist/config.js:41:27)" },
      { text: "  errno: -2, code: 'ENOENT', syscall: 'open', path: '/etc/cart/flags.yaml'" },
      { text: "}" },
      { text: `2025-03-14 02:10:01,000 ERROR [inventory.app] Traceback (most recent call last): File "/app/inventory/reservations.py", line 212, in reserve: wh = sku_row["warehouse_id"] KeyError: 'warehouse_id'` },
    ]);
    const errors = r.signatures.filter((s) => s.level === "error").map((s) => s.signature);
    expect(errors).toContain("Error: ENOENT: no such file or directory, open '/etc/cart/flags.yaml'");
    expect(errors.some((e) => e.includes("KeyError: 'warehouse_id'"))).toBe(true);
    expect(r.signatures.find((s) => s.level === "info")?.signature).toBe("cart <n> starting");
  });
});
