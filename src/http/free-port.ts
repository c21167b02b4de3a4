import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** The lowest port the kernel takes for outgoing connections' local ports and `listen(0)` (Linux's range; elsewhere IANA's). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (low > 1024) return low;
  } catch {
    // not Linux: the IANA dynamic range
  }
  return 49152;
}

/** Whether `port` can be listened on now (undefined: port 0, the kernel's pick, answered with it). */
function tryListen(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(undefined));
    srv.listen(port, host, () => {
      const addr = srv.address();
      const got = typeof addr === "object" && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * A TCP port free right now on the host, for servers whose URL must be known before they start (the
 * sandbox writes its URL into the simulation before it listens). Chosen below the ephemeral range:
 * a port the kernel picked there could be taken, before the server listens, by any outgoing
 * connection's local port or another `listen(0)` (seen: a test run's sandbox failed with
 * EADDRINUSE on 127.0.0.1:37099 while thousands of connections were made around it).
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const low = ephemeralLow();
  const from = 10_000;
  if (low - from > 1000) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = from + Math.floor(Math.random() * (low - from));
      if ((await tryListen(port, host)) === port) return port;
    }
  }
  const port = await tryListen(0, host);
  if (port === undefined) throw new Error(`no free TCP port on ${host}`);
  return port;
}
