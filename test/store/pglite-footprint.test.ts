import { describe, expect, it } from "vitest";
import { EMBEDDED_SHARED_BUFFERS, openPgliteDb } from "../../src/store/pglite-db.ts";

describe("embedded database footprint", () => {
  it("runs with a small buffer cache instead of PGlite's 128 MB default", async () => {
    const db = await openPgliteDb("memory");
    try {
      const [row] = await db.query<{ shared_buffers: string }>("SHOW shared_buffers");
      expect(row?.shared_buffers).toBe(EMBEDDED_SHARED_BUFFERS);
      expect(EMBEDDED_SHARED_BUFFERS).not.toBe("128MB");
    } finally {
      await db.close();
    }
  }, 180_000);
});
