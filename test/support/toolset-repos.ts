import type { Db } from "../../src/store/db.ts";
import { createStore } from "../../src/store/store.ts";

/** The store's repositories the toolsets read, as the composition root passes them (src/app/services.ts). */
export function toolsetRepos(db: Db) {
  const store = createStore(db);
  return { changes: store.changes, history: store.incidentHistory };
}
