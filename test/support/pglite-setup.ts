import { inject } from "vitest";
import { startFreshDatabasesFrom } from "../../src/store/pglite-db.ts";

// Every fresh PGlite database of this test process starts from the migrated template made by the
// global setup (test/support/pglite-template.ts): read once, only if a test opens a database.
startFreshDatabasesFrom(inject("pgliteTemplate"));
