import type { Bitmap, Rgba } from "./bitmap.ts";

/**
 * A 3x5 pixel bitmap font: each glyph is five rows, each row one octal digit (bit 4 = left column).
 * Lower case draws as upper case; unknown characters draw as "?".
 */
/** "?": drawn for characters the font lacks. */
const UNKNOWN_GLYPH = "71202";

const GLYPHS: Record<string, string> = {
  "0": "75557",
  "1": "26227",
  "2": "71747",
  "3": "71717",
  "4": "55711",
  "5": "74717",
  "6": "74757",
  "7": "71222",
  "8": "75757",
  "9": "75717",
  A: "25755",
  B: "65656",
  C: "34443",
  D: "65556",
  E: "74647",
  F: "74644",
  G: "34553",
  H: "55755",
  I: "72227",
  J: "11152",
  K: "55655",
  L: "44447",
  M: "57755",
  N: "65555",
  O: "25552",
  P: "65644",
  Q: "25563",
  R: "65655",
  S: "34216",
  T: "72222",
  U: "55557",
  V: "55552",
  W: "55775",
  X: "55255",
  Y: "55222",
  Z: "71247",
  " ": "00000",
  ".": "00002",
  ",": "00024",
  ":": "02020",
  ";": "02024",
  "-": "00700",
  "+": "02720",
  "/": "11244",
  "\\": "44211",
  "%": "51245",
  "(": "24442",
  ")": "21112",
  "[": "64446",
  "]": "31113",
  _: "00007",
  "=": "07070",
  "<": "12421",
  ">": "42124",
  "#": "57575",
  "*": "52500",
  "'": "22000",
  '"': "55000",
  "!": "22202",
  "?": UNKNOWN_GLYPH,
  "|": "22222",
  "~": "03600",
  "^": "25000",
  "&": "25357",
  "@": "75547",
  $: "37676",
  "{": "32423",
  "}": "62126",
};

export const GLYPH_W = 3;
export const GLYPH_H = 5;

/** Width in pixels of `text` at `scale` (one blank column between glyphs). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_W + 1) - 1) * scale;
}

/** Draw `text` with its top-left corner at (x, y). */
export function drawText(bmp: Bitmap, text: string, x: number, y: number, color: Rgba, scale = 1): void {
  let cx = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? UNKNOWN_GLYPH;
    for (let row = 0; row < GLYPH_H; row++) {
      const bits = g.charCodeAt(row) - 48;
      for (let col = 0; col < GLYPH_W; col++) {
        if (!(bits & (4 >> col))) continue;
        bmp.fillRect(cx + col * scale, top + row * scale, cx + (col + 1) * scale - 1, top + (row + 1) * scale - 1, color);
      }
    }
    cx += (GLYPH_W + 1) * scale;
  }
}
