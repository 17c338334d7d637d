/**
 * snake_case for `--json` output: the control API speaks camelCase (WireGuard's UAPI names,
 * camelCased), the CLI's JSON speaks snake_case like wgmesh's (`mesh_ip`, `last_seen`).
 */

/**
 * Converts one camelCase name: an underscore goes before each capital that follows a lowercase
 * letter or a digit, then everything is lowercased. Acronyms stay whole:
 * `meshIPv4` → `mesh_ipv4`, `publicKey` → `public_key`, `lastHandshakeTime` →
 * `last_handshake_time`. Names without capitals (including snake_case ones) are unchanged.
 */
export function toSnakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Returns a copy of `value` with every object key converted by {@link toSnakeCase}, recursively. */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toSnakeCase(k), snakeKeys(v)]));
  }
  return value;
}

/** `value` as pretty JSON (two-space indent) with snake_case keys and a trailing newline. */
export function toJsonOutput(value: unknown): string {
  return JSON.stringify(snakeKeys(value), null, 2) + '\n';
}

/** `value` as one compact JSON line with snake_case keys (for NDJSON output). */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(snakeKeys(value)) + '\n';
}
