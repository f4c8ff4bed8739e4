/**
 * A small RGBA canvas for the study's PNG figures, usable where there is no
 * DOM canvas (Node, workers): filled rectangles, lines (dashed, thick),
 * markers, nearest-neighbour image blits and text in a 5×7 bitmap font
 * (upper case; lower case is drawn as upper case).
 */

export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
export const GRAY: Rgb = [150, 150, 150];
export const LIGHT_GRAY: Rgb = [225, 225, 225];

/** 5×7 glyphs, rows top to bottom, '1' = ink (after the HD44780 character ROM). */
const GLYPHS: Record<string, string> = {
  A: '01110 10001 10001 11111 10001 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11100 10010 10001 10001 10001 10010 11100',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  J: '00111 00010 00010 00010 00010 10010 01100',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  Q: '01110 10001 10001 10001 10101 10010 01101',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010',
  X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 10001 01010 00100 00100 00100',
  Z: '11111 00001 00010 00100 01000 10000 11111',
  0: '01110 10001 10011 10101 11001 10001 01110',
  1: '00100 01100 00100 00100 00100 00100 01110',
  2: '01110 10001 00001 00010 00100 01000 11111',
  3: '11111 00010 00100 00010 00001 10001 01110',
  4: '00010 00110 01010 10010 11111 00010 00010',
  5: '11111 10000 11110 00001 00001 10001 01110',
  6: '00110 01000 10000 11110 10001 10001 01110',
  7: '11111 00001 00010 00100 01000 01000 01000',
  8: '01110 10001 10001 01110 10001 10001 01110',
  9: '01110 10001 10001 01111 00001 00010 01100',
  '.': '00000 00000 00000 00000 00000 01100 01100',
  ',': '00000 00000 00000 00000 01100 00100 01000',
  '-': '00000 00000 00000 11111 00000 00000 00000',
  '+': '00000 00100 00100 11111 00100 00100 00000',
  ':': '00000 01100 01100 00000 01100 01100 00000',
  '%': '11000 11001 00010 00100 01000 10011 00011',
  '(': '00010 00100 01000 01000 01000 00100 00010',
  ')': '01000 00100 00010 00010 00010 00100 01000',
  '/': '00000 00001 00010 00100 01000 10000 00000',
  '=': '00000 00000 11111 00000 11111 00000 00000',
  '_': '00000 00000 00000 00000 00000 00000 11111',
  '<': '00010 00100 01000 10000 01000 00100 00010',
  '>': '01000 00100 00010 00001 00010 00100 01000',
  ' ': '00000 00000 00000 00000 00000 00000 00000',
};
const UNKNOWN = '11111 10001 10001 10001 10001 10001 11111';
const GLYPH_W = 5;
const GLYPH_H = 7;

export class Raster {
  readonly data: Uint8ClampedArray<ArrayBuffer>;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = WHITE,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`raster size ${width}×${height} must be positive integers`);
    this.data = new Uint8ClampedArray(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  pixel(x: number, y: number, color: Rgb, alpha = 1): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    for (let c = 0; c < 3; c++) this.data[i + c] = alpha >= 1 ? color[c] : this.data[i + c] * (1 - alpha) + color[c] * alpha;
    this.data[i + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)), y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.pixel(xx, yy, color, alpha);
  }

  strokeRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    this.line(x, y, x + w, y, color);
    this.line(x, y + h, x + w, y + h, color);
    this.line(x, y, x, y + h, color);
    this.line(x + w, y, x + w, y + h, color);
  }

  /** A line, `width` px thick; `dash` = [on, off] lengths in px. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, options: { width?: number; dash?: readonly [number, number] } = {}): void {
    const { width = 1, dash } = options;
    const length = Math.hypot(x1 - x0, y1 - y0);
    const steps = Math.max(1, Math.ceil(length * 2));
    const half = (width - 1) / 2;
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      if (dash && (t * length) % (dash[0] + dash[1]) >= dash[0]) continue;
      const x = x0 + (x1 - x0) * t, y = y0 + (y1 - y0) * t;
      for (let dy = -half; dy <= half; dy++) for (let dx = -half; dx <= half; dx++) this.pixel(x + dx, y + dy, color);
    }
  }

  /** A filled disc marker. */
  dot(x: number, y: number, r: number, color: Rgb): void {
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r + r) this.pixel(x + dx, y + dy, color);
  }

  /** An RGBA image scaled up by an integer factor (nearest neighbour). */
  blit(image: { width: number; height: number; data: ArrayLike<number> }, x: number, y: number, scale = 1): void {
    for (let yy = 0; yy < image.height * scale; yy++) {
      for (let xx = 0; xx < image.width * scale; xx++) {
        const i = (Math.floor(yy / scale) * image.width + Math.floor(xx / scale)) * 4;
        this.pixel(x + xx, y + yy, [image.data[i], image.data[i + 1], image.data[i + 2]]);
      }
    }
  }

  static textWidth(text: string, scale = 1): number {
    return text.length === 0 ? 0 : (text.length * (GLYPH_W + 1) - 1) * scale;
  }

  static readonly textHeight = GLYPH_H;

  /** Text with its top-left (align left), top-centre or top-right at (x, y). */
  text(x: number, y: number, text: string, color: Rgb = BLACK, options: { scale?: number; align?: 'left' | 'center' | 'right' } = {}): void {
    const { scale = 1, align = 'left' } = options;
    const width = Raster.textWidth(text, scale);
    let cx = Math.round(align === 'left' ? x : align === 'center' ? x - width / 2 : x - width);
    for (const ch of text.toUpperCase()) {
      const rows = (GLYPHS[ch] ?? UNKNOWN).split(' ');
      for (let r = 0; r < GLYPH_H; r++) for (let c = 0; c < GLYPH_W; c++) if (rows[r][c] === '1') this.fillRect(cx + c * scale, y + r * scale, scale, scale, color);
      cx += (GLYPH_W + 1) * scale;
    }
  }

  /** Text rotated a quarter turn counter-clockwise (for a y-axis label), centred on (x, y). */
  verticalText(x: number, y: number, text: string, color: Rgb = BLACK): void {
    const width = Raster.textWidth(text);
    let cy = Math.round(y + width / 2);
    for (const ch of text.toUpperCase()) {
      const rows = (GLYPHS[ch] ?? UNKNOWN).split(' ');
      for (let r = 0; r < GLYPH_H; r++) for (let c = 0; c < GLYPH_W; c++) if (rows[r][c] === '1') this.pixel(x + r, cy - c, color);
      cy -= GLYPH_W + 1;
    }
  }
}
