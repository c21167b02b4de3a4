import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "../../src/http/free-port.ts";

describe("freePort", () => {
  it("gives a port below the kernel's ephemeral range (where outgoing connections take theirs) that can be listened on", async () => {
    const range = "/proc/sys/net/ipv4/ip_local_port_range";
    const low = existsSync(range) ? Number(readFileSync(range, "utf8").trim().split(/\s+/)[0]) : 49_152;
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(low);
    }
    const port = ports[0]!;
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", resolve);
    });
    // A port in use is not given again while it is.
    expect(await Promise.all(Array.from({ length: 50 }, () => freePort()))).not.toContain(port);
    await new Promise((r) => srv.close(r));
  });
});
