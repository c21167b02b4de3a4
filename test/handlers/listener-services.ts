import { blockKitPresenters } from "../../blocks/presenters.ts";
import { buildServices, type ServiceDeps, type Services } from "../../src/app/services.ts";
import { loadConfig } from "../../src/config.ts";
import type { Clock } from "../../src/domain/clock.ts";
import { silentLogger } from "../../src/log.ts";
import { openDb } from "../../src/store/open.ts";
import { MemorySlack } from "../support/memory-slack.ts";

/**
 * The real services a listener calls, as the composition root builds them, on a fresh PGlite test
 * database (started from the migrated template) with an in-memory Slack (what the services post
 * through the outbox, publish and update) and, where a test gives them, in-memory vendor ports.
 * Nothing runs in the background (`start()` is not called): a test drives the outbox itself.
 */
export interface ListenerServices {
  services: Services;
  /** What the services sent to Slack (the listener's own replies go through the fake Bolt client). */
  slack: MemorySlack;
  /** Runs the housekeeping once and sends what the outbox has due (one new post per channel per call, as Slack paces them). */
  deliver(): Promise<void>;
  close(): Promise<void>;
}

export async function listenerServices(o: { env?: Record<string, string>; ports?: ServiceDeps["ports"]; clock?: Clock } = {}): Promise<ListenerServices> {
  const slack = new MemorySlack();
  const config = loadConfig({ LOG_LEVEL: "silent", AISRE_DATA_DIR: "memory", ...o.env });
  const services = await buildServices(config, { logger: silentLogger, presenters: blockKitPresenters, slack, db: openDb({ dataDir: "memory" }), ...(o.ports ? { ports: o.ports } : {}), ...(o.clock ? { clock: o.clock } : {}) });
  return {
    services,
    slack,
    async deliver() {
      await services.incidents.tick();
      await services.outbox.sendDue();
    },
    async close() {
      // Nothing sends in the background here: what is still queued is dropped, so closing does not wait for it.
      await services.incidents.tick().catch(() => undefined);
      for (let left = await services.store.outbox.due(1000); left.length; left = await services.store.outbox.due(1000)) {
        for (const item of left) await services.store.outbox.markFailed(item.id, "test over");
      }
      await services.close();
    },
  };
}
