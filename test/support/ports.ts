import { createServer } from "node:net";

/**
 * A TCP port free right now, for a process a test starts with PORT=…. Chosen at random below the
 * kernel's ephemeral range (32768–60999 on Linux): a port the OS hands out for `listen(0)` is also
 * one it hands out as the local port of the next outgoing connection, so under a parallel suite
 * another test's fetch or database connection could take it before the child binds it (the child
 * then exits with EADDRINUSE).
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await bindable(port, host)) return port;
  }
  throw new Error("no free port between 20000 and 32000 after 50 tries");
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}
