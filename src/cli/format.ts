/** Human formatting for the CLI's text output: byte sizes, ages, aligned tables. */

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

/** Rows as text columns separated by two spaces, the first row being the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n') + '\n';
}

/** `label: value` lines with the values aligned; undefined values print as `-`. */
export function formatFields(fields: readonly [string, string | number | undefined][]): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  return fields.map(([label, value]) => `${(label + ':').padEnd(width)} ${value ?? '-'}`).join('\n') + '\n';
}
