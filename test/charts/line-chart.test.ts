import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { renderLineChart } from "../../src/charts/line-chart.ts";
import { crc32, encodePng } from "../../src/charts/png.ts";
import { itemAt } from "../../src/domain/indexed.ts";

interface Decoded {
  width: number;
  height: number;
  chunks: string[];
  pixel(x: number, y: number): [number, number, number, number];
}

/** A strict little PNG reader for what encodePng writes (RGBA 8-bit, filter 0), checking every CRC. */
function decode(png: Buffer): Decoded {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("latin1", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    expect(png.readUInt32BE(off + 8 + len)).toBe(crc32(png, off + 4, off + 8 + len));
    chunks.push(type);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8, 13)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === "IDAT") idat.push(Buffer.from(data));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4 + 1;
  expect(raw.length).toBe(stride * height);
  for (let y = 0; y < height; y++) expect(raw[y * stride]).toBe(0);
  return {
    width,
    height,
    chunks,
    pixel: (x, y) => {
      const i = y * stride + 1 + x * 4;
      const [r = Number.NaN, g = Number.NaN, b = Number.NaN, a = Number.NaN] = raw.subarray(i, i + 4);
      return [r, g, b, a];
    },
  };
}

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const ts = Array.from({ length: 200 }, (_, i) => T0 + i * MIN);

function bluish([r, , b]: readonly [number, number, number, number]): boolean {
  return b > 150 && b - r > 60;
}

function reddish([r, g, b]: readonly [number, number, number, number]): boolean {
  return r > g + 20 && r > b + 20;
}

describe("PNG encoder", () => {
  it("writes signature, IHDR with the size, IDAT and IEND with valid CRCs", () => {
    const rgba = new Uint8Array(3 * 2 * 4).fill(255);
    rgba.set([255, 0, 0, 255], 0);
    const d = decode(encodePng(3, 2, rgba));
    expect(d.chunks).toEqual(["IHDR", "IDAT", "IEND"]);
    expect([d.width, d.height]).toEqual([3, 2]);
    expect(d.pixel(0, 0)).toEqual([255, 0, 0, 255]);
    expect(d.pixel(2, 1)).toEqual([255, 255, 255, 255]);
  });

  it("computes the standard CRC-32", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(Buffer.from("IEND"))).toBe(0xae426082);
  });

  it("refuses a buffer that does not match the size", () => {
    expect(() => encodePng(2, 2, new Uint8Array(3))).toThrow(RangeError);
  });
});

describe("line chart", () => {
  it("renders a valid PNG of the requested size with the line where the data is", () => {
    // Low on the left half, high on the right half.
    const values = ts.map((_, i) => (i < 100 ? 10 : 90));
    const d = decode(renderLineChart({ timestamps: ts, values, width: 400, height: 200, title: "checkout p99 latency" }));
    expect([d.width, d.height]).toEqual([400, 200]);
    const column = (x: number) =>
      Array.from({ length: d.height }, (_, y) => ({ y, p: d.pixel(x, y) }))
        .filter((c) => bluish(c.p))
        .map((c) => c.y);
    const left = column(120);
    const right = column(330);
    expect(left.length).toBeGreaterThan(0);
    expect(right.length).toBeGreaterThan(0);
    // Higher values are drawn higher up (smaller y).
    expect(Math.max(...right)).toBeLessThan(Math.min(...left));
    // The title is drawn in the top band.
    let dark = 0;
    for (let y = 0; y < 25; y++) for (let x = 0; x < 200; x++) if (d.pixel(x, y)[0] < 120) dark++;
    expect(dark).toBeGreaterThan(50);
  });

  it("differs from an empty chart only where the series, band and highlight are", () => {
    const values = ts.map((_, i) => 50 + 10 * Math.sin(i / 10));
    const base = { timestamps: ts, values: ts.map(() => Number.NaN), width: 300, height: 150 };
    const empty = decode(renderLineChart({ ...base, values: [...values.slice(0, 1), ...base.values.slice(1)] }));
    const full = decode(
      renderLineChart({
        timestamps: ts,
        values,
        width: 300,
        height: 150,
        band: { lower: values.map((v) => v - 3), upper: values.map((v) => v + 3) },
        highlight: { from: itemAt(ts, 150), to: itemAt(ts, 170) },
      }),
    );
    let changed = 0;
    let redInside = 0;
    let redOutside = 0;
    for (let y = 0; y < 150; y++) {
      for (let x = 0; x < 300; x++) {
        const a = empty.pixel(x, y);
        const b = full.pixel(x, y);
        if (a.some((v, i) => v !== b[i])) changed++;
        if (reddish(b)) {
          if (x > 200 && x < 290) redInside++;
          else redOutside++;
        }
      }
    }
    expect(changed).toBeGreaterThan(500);
    expect(redInside).toBeGreaterThan(100);
    expect(redOutside).toBe(0);
  });

  it("copes with gaps, NaN, a flat series and no data", () => {
    const gappy = ts.map((t, i) => (i % 30 === 0 ? Number.NaN : 5));
    expect(decode(renderLineChart({ timestamps: ts, values: gappy })).width).toBe(800);
    expect(decode(renderLineChart({ timestamps: [], values: [] })).height).toBe(320);
    const d = decode(renderLineChart({ timestamps: ts, values: ts.map(() => 7), threshold: { value: 9, label: "OOM 90%" } }));
    expect(d.chunks[0]).toBe("IHDR");
  });
});
