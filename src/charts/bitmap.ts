/** An RGBA raster with the few drawing primitives a line chart needs (alpha-blended). */

export type Rgba = readonly [number, number, number, number];

export function hexColor(hex: string, alpha = 255): Rgba {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new RangeError(`bad colour ${hex}`);
  const n = Number.parseInt(m[1] ?? "", 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, alpha];
}

export class Bitmap {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;

  constructor(width: number, height: number, background: Rgba = [255, 255, 255, 255]) {
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.pixels.set(background, i * 4);
  }

  /** Blend `color` into pixel (x, y) with an extra coverage factor in [0, 1]. */
  blend(x: number, y: number, color: Rgba, coverage = 1): void {
    x = Math.floor(x);
    y = Math.floor(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const a = (color[3] / 255) * Math.min(Math.max(coverage, 0), 1);
    if (a <= 0) return;
    const i = (y * this.width + x) * 4;
    const p = this.pixels;
    // (x, y) is inside the raster (checked above), so every channel index is in range.
    const mix = (k: number, target: number) => {
      const v = p[i + k] ?? 0;
      p[i + k] = Math.round(v + (target - v) * a);
    };
    mix(0, color[0]);
    mix(1, color[1]);
    mix(2, color[2]);
    mix(3, 255);
  }

  get(x: number, y: number): [number, number, number, number] {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) throw new RangeError(`pixel (${x}, ${y}) is outside ${this.width}×${this.height}`);
    const [r = 0, g = 0, b = 0, a = 0] = this.pixels.subarray((y * this.width + x) * 4);
    return [r, g, b, a];
  }

  fillRect(x0: number, y0: number, x1: number, y1: number, color: Rgba): void {
    const xa = Math.max(0, Math.floor(Math.min(x0, x1)));
    const xb = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1)));
    const ya = Math.max(0, Math.floor(Math.min(y0, y1)));
    const yb = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1)));
    for (let y = ya; y <= yb; y++) for (let x = xa; x <= xb; x++) this.blend(x, y, color);
  }

  /** Vertical span at column x between y0 and y1 (inclusive). */
  vspan(x: number, y0: number, y1: number, color: Rgba): void {
    const ya = Math.round(Math.min(y0, y1));
    const yb = Math.round(Math.max(y0, y1));
    for (let y = ya; y <= yb; y++) this.blend(x, y, color);
  }

  /** Anti-aliased line of the given width (distance-to-segment coverage). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgba, width = 1.5): void {
    this.polyline([x0, y0, x1, y1], color, width);
  }

  /**
   * Anti-aliased polyline through flat [x0, y0, x1, y1, ...] coordinates. Coverage is the maximum
   * over the segments per pixel, so joints are not painted twice.
   */
  polyline(xy: readonly number[], color: Rgba, width = 1.5): void {
    const r = width / 2;
    const cover = new Map<number, number>();
    for (let k = 0; k + 3 < xy.length; k += 2) {
      const x0 = xy[k] ?? Number.NaN;
      const y0 = xy[k + 1] ?? Number.NaN;
      const x1 = xy[k + 2] ?? Number.NaN;
      const y1 = xy[k + 3] ?? Number.NaN;
      if (![x0, y0, x1, y1].every(Number.isFinite)) continue;
      const dx = x1 - x0;
      const dy = y1 - y0;
      const len2 = dx * dx + dy * dy;
      const ya = Math.max(0, Math.floor(Math.min(y0, y1) - r - 1));
      const yb = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + r + 1));
      const xa = Math.max(0, Math.floor(Math.min(x0, x1) - r - 1));
      const xb = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1) + r + 1));
      for (let y = ya; y <= yb; y++) {
        for (let x = xa; x <= xb; x++) {
          const px = x + 0.5;
          const py = y + 0.5;
          let t = len2 === 0 ? 0 : ((px - x0) * dx + (py - y0) * dy) / len2;
          t = Math.min(Math.max(t, 0), 1);
          const ex = x0 + t * dx - px;
          const ey = y0 + t * dy - py;
          const c = Math.min(r + 0.5 - Math.sqrt(ex * ex + ey * ey), 1);
          if (c <= 0) continue;
          const key = y * this.width + x;
          if (c > (cover.get(key) ?? 0)) cover.set(key, c);
        }
      }
    }
    for (const [key, c] of cover) this.blend(key % this.width, Math.floor(key / this.width), color, c);
  }
}
