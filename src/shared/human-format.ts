/**
 * Human formatting shared by the CLI's text output and the desktop renderer: byte sizes and ages.
 * Pure (no Node or DOM APIs).
 */

/** Byte count in binary units: `0 B`, `1.5 KiB`, `20.0 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Age of a unix-ms timestamp relative to `now`: `never`, `now`, `42s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAge(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined || at <= 0) return 'never';
  const s = Math.floor((now - at) / 1000);
  if (s < 1) return 'now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** A peer's or edge's name: its hostname, else the start of its public key (`AbCdEfGh…`). */
export function nodeName(n: { hostname?: string | undefined; publicKey: string }): string {
  return n.hostname || `${n.publicKey.slice(0, 8)}…`;
}

/** The status line of a connected node: `Connected · 1 peer`, `Connected · 3 peers`. */
export function connectedLabel(peerCount: number): string {
  return `Connected · ${peerCount} ${peerCount === 1 ? 'peer' : 'peers'}`;
}
