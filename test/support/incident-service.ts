import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import { clockOf } from "../../src/domain/clock.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore, type Store } from "../../src/store/store.ts";

export interface IncidentServiceOnMemory {
  db: Db;
  store: Store;
  incidents: IncidentService;
}

/**
 * An IncidentService on an in-memory store (a new database, or one from `open`, e.g. a file's
 * reusedDatabases), a test clock (`now`) and `topology`, its thread flushed at once.
 */
export async function incidentServiceOnMemory(topology: Topology, now: () => number, open: () => Promise<Db> = () => openDb({ dataDir: "memory" })): Promise<IncidentServiceOnMemory> {
  const db = await open();
  const clock = clockOf(now);
  const store = createStore(db, clock);
  const incidents = new IncidentService({ store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", topology: () => topology, threadFlushMs: 0, clock });
  return { db, store, incidents };
}
