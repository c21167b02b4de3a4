import { inflateSync } from "node:zlib";

/**
 * A strict PNG reader for tests: checks the signature and every chunk's CRC, reads 8-bit RGB or
 * RGBA, non-interlaced, with any of the five row filters (what resvg and most encoders write).
 * Throws on anything else, so a broken or truncated PNG fails the test that decodes it.
 */
export interface DecodedPng {
  width: number;
  height: number;
  chunks: string[];
  /** [r, g, b, a] at (x, y). */
  pixel(x: number, y: number): [number, number, number, number];
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (CRC_TABLE[(c ^ (buf[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function decodePng(png: Buffer): DecodedPng {
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) throw new Error("not a PNG: bad signature");
  let off = 8;
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  let channels = 0;
  while (off < png.length) {
    if (off + 12 > png.length) throw new Error("truncated chunk");
    const len = png.readUInt32BE(off);
    const type = png.toString("latin1", off + 4, off + 8);
    if (off + 12 + len > png.length) throw new Error(`truncated ${type}`);
    const data = png.subarray(off + 8, off + 8 + len);
    if (png.readUInt32BE(off + 8 + len) !== crc32(png, off + 4, off + 8 + len)) throw new Error(`bad CRC in ${type}`);
    chunks.push(type);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colorType, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || interlace !== 0 || (colorType !== 6 && colorType !== 2)) throw new Error(`unsupported PNG: depth ${depth}, color type ${colorType}, interlace ${interlace}`);
      channels = colorType === 6 ? 4 : 3;
    }
    if (type === "IDAT") idat.push(Buffer.from(data));
    off += 12 + len;
    if (type === "IEND") break;
  }
  if (chunks[0] !== "IHDR" || chunks.at(-1) !== "IEND" || idat.length === 0) throw new Error(`bad chunk order: ${chunks.join(",")}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== (stride + 1) * height) throw new Error(`image data is ${raw.length} bytes, expected ${(stride + 1) * height}`);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    for (let x = 0; x < stride; x++) {
      const r = raw[src + x] ?? 0;
      const a = x >= channels ? (out[dst + x - channels] ?? 0) : 0;
      const b = y > 0 ? (out[dst - stride + x] ?? 0) : 0;
      const c = y > 0 && x >= channels ? (out[dst - stride + x - channels] ?? 0) : 0;
      let v: number;
      if (filter === 0) v = r;
      else if (filter === 1) v = r + a;
      else if (filter === 2) v = r + b;
      else if (filter === 3) v = r + ((a + b) >> 1);
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = r + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      } else throw new Error(`bad filter ${filter} in row ${y}`);
      out[dst + x] = v & 0xff;
    }
  }
  return {
    width,
    height,
    chunks,
    pixel: (x, y) => {
      const i = y * stride + x * channels;
      return [out[i] ?? Number.NaN, out[i + 1] ?? Number.NaN, out[i + 2] ?? Number.NaN, channels === 4 ? (out[i + 3] ?? Number.NaN) : 255];
    },
  };
}
