/** Human formatting for the CLI's text output: byte sizes, ages, aligned tables. */

export { formatAge, formatBytes, nodeName } from '../shared/human-format';

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
