// Draws Cloudroof's icons and writes them as PNGs (no image tools or packages needed: a tiny
// rasterizer with 4×4 supersampling, and a PNG encoder over node:zlib). Run `node build/icons.mjs`
// after changing a shape or colour; the output is committed:
//   assets/tray-<state>.png, tray-<state>@2x.png          tray icons per state, coloured (Linux)
//   assets/tray-<state>Template.png, …Template@2x.png     macOS menu-bar template images (black + alpha)
//   assets/app-icon.png                                    256×256 window icon
//   build/icon.png                                         1024×1024 app icon (electron-builder)
// The mark: a roof (a chevron) over three mesh nodes; the state is the colour and the nodes'
// look (linked, unlinked, hollow, or a cross for an error), so the template images differ too.
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Distance from point p to segment ab (all [x, y] in unit coordinates). */
function segmentDistance([px, py], [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

const stroke = (points, width) => (p) => points.slice(1).some((b, i) => segmentDistance(p, points[i], b) <= width / 2);
const disc = ([cx, cy], r) => ([x, y]) => Math.hypot(x - cx, y - cy) <= r;
const ring = (c, r, w) => (p) => disc(c, r)(p) && !disc(c, r - w)(p);
const union = (...shapes) => (p) => shapes.some((s) => s(p));

const ROOF = [[0.07, 0.5], [0.5, 0.1], [0.93, 0.5]];
const NODES = [[0.5, 0.5], [0.27, 0.84], [0.73, 0.84]];
const COLORS = { connected: [47, 179, 109], connecting: [240, 160, 32], disconnected: [150, 156, 164], error: [229, 72, 77] };

/**
 * The four state marks for an icon of `size` pixels: stroke widths and radii have a floor in
 * pixels, so the 16-pixel tray icons keep visible links and open rings.
 */
function marks(size) {
  const w = (unit, minPx) => Math.max(unit, minPx / size);
  const roof = stroke(ROOF, w(0.15, 2.2));
  const r = w(0.11, 2);
  const links = stroke([NODES[0], NODES[1], NODES[2], NODES[0]], w(0.07, 1.2));
  const nodes = union(...NODES.map((c) => disc(c, r)));
  const hollow = union(...NODES.map((c) => ring(c, r, w(0.055, 1))));
  const cross = union(stroke([[0.33, 0.58], [0.67, 0.92]], w(0.13, 2)), stroke([[0.67, 0.58], [0.33, 0.92]], w(0.13, 2)));
  return {
    connected: union(roof, links, nodes),
    connecting: union(roof, nodes),
    disconnected: union(roof, hollow),
    error: union(roof, cross),
  };
}

/** Renders `paint(u, v) → [r, g, b, a] | null` (unit coordinates) into RGBA rows with 4×4 supersampling. */
function render(size, paint) {
  const data = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = paint((x + (sx + 0.5) / n) / size, (y + (sy + 0.5) / n) / size);
          if (!c) continue;
          const a = c[3] / 255;
          for (let k = 0; k < 3; k++) acc[k] += c[k] * a;
          acc[3] += a;
        }
      }
      const o = (y * size + x) * 4;
      const alpha = acc[3] / (n * n);
      for (let k = 0; k < 3; k++) data[o + k] = acc[3] > 0 ? Math.round(acc[k] / acc[3]) : 0;
      data[o + 3] = Math.round(alpha * 255);
    }
  }
  return data;
}

function chunk(type, body) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/** Encodes RGBA pixels as a PNG (8-bit RGBA, no filtering). */
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function write(path, size, paint) {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, png(size, render(size, paint)));
  console.log(`icons: ${path} (${size}×${size})`);
}

/** A tray state drawn inside a 1-unit margin-less box with a small inset. */
const inset = (shape, margin) => (u, v) => shape([(u - margin) / (1 - 2 * margin), (v - margin) / (1 - 2 * margin)]);

for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
  for (const [name, shape] of Object.entries(marks(size))) {
    const s = inset(shape, 0.04);
    write(`assets/tray-${name}${suffix}.png`, size, (u, v) => (s(u, v) ? [...COLORS[name], 255] : null));
    write(`assets/tray-${name}Template${suffix}.png`, size, (u, v) => (s(u, v) ? [0, 0, 0, 255] : null));
  }
}

const APP_MARK = marks(1024).connected;

/** The app icon: the connected mark in white on a blue rounded square. */
function appIcon(u, v) {
  const r = 0.2;
  const m = 0.04;
  const qx = Math.max(Math.abs(u - 0.5) - (0.5 - m - r), 0);
  const qy = Math.max(Math.abs(v - 0.5) - (0.5 - m - r), 0);
  if (Math.hypot(qx, qy) > r) return null;
  const mark = inset(APP_MARK, 0.2);
  if (mark(u, v)) return [255, 255, 255, 255];
  const t = v;
  return [Math.round(31 + (11 - 31) * t), Math.round(111 + (61 - 111) * t), Math.round(235 + (145 - 235) * t), 255];
}

write('assets/app-icon.png', 256, appIcon);
write('build/icon.png', 1024, appIcon);
