import { systemClock } from "../../src/domain/clock.ts";
import type { IngestResult } from "../../src/incident/incident-service.ts";
import { webhookSources } from "../../src/ingest/registry.ts";
import type { ExternalEvent, SourceSecrets, WebhookSource } from "../../src/ingest/types.ts";
import { silentLogger } from "../../src/log.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { WebhookIntake } from "../../src/webhooks/intake.ts";
import { webhookRoutes } from "../../src/webhooks/routes.ts";
import { serveRouter, type Served } from "../sandbox/jira/serve.ts";

const NONE: IngestResult = { opened: [], joined: 0, duplicates: 0, ignored: 0, changesAttached: 0 };

export interface WebhookDoor {
  store: Store;
  intake: WebhookIntake;
  served: Served;
  /** External events (PagerDuty, Jira) handed on, as the sync capability would get them. */
  external: ExternalEvent[];
  close(): Promise<void>;
}

/**
 * The real webhook door over HTTP: routes, intake, every source (the registry's, or `sources`), the
 * delivery processor, on PGlite. Ingest stores the alerts (where an unclean string used to fail
 * every retry).
 */
export async function webhookDoor(secrets: SourceSecrets = {}, sources: readonly WebhookSource[] = webhookSources): Promise<WebhookDoor> {
  const db = await openDb({ dataDir: "memory" });
  const store = createStore(db);
  const external: ExternalEvent[] = [];
  const intake = new WebhookIntake({
    clock: systemClock,
    sources,
    store,
    logger: silentLogger,
    secrets,
    handlers: {
      async ingest(d) {
        await store.alerts.upsertMany(d.alerts.map((alert) => ({ alert })));
        return NONE;
      },
      async external(events) {
        JSON.stringify(events);
        external.push(...events);
      },
    },
  });
  const served = await serveRouter(webhookRoutes(intake));
  return {
    store,
    intake,
    served,
    external,
    async close() {
      await intake.stop();
      await served.close();
      await db.close();
    },
  };
}
