import { parentPort } from "node:worker_threads";
import { renderChartPngHere, type ChartSize } from "./render.ts";
import type { TimeSeriesChartSpec } from "./time-series.ts";

/**
 * The chart worker (started by render.ts): draws each spec it is sent and posts the PNG back,
 * its bytes transferred rather than copied. One chart at a time; errors go back as text.
 */
parentPort?.on("message", (m: { id: number; spec: TimeSeriesChartSpec; size: ChartSize }) => {
  renderChartPngHere(m.spec, m.size).then(
    (r) => {
      const bytes = new Uint8Array(r.png.buffer, r.png.byteOffset, r.png.byteLength).slice();
      parentPort?.postMessage({ id: m.id, png: bytes, width: r.width, height: r.height }, [bytes.buffer]);
    },
    (e: unknown) => parentPort?.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
