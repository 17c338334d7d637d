/**
 * Interface-name rules (wgmesh spec 4.1). The name becomes a path component
 * (`/var/run/wireguard/<name>.sock`) and an argv element of `ip`/`wg`, so anything outside
 * the allow-list — slashes, dots, shell metacharacters, spaces — is rejected up front.
 */

const linuxName = /^[A-Za-z][A-Za-z0-9_-]*$/;
const darwinName = /^utun[0-9]+$/;
/** IFNAMSIZ − 1: Linux interface names are at most 15 bytes. */
const linuxMaxBytes = 15;
/** Names the kernel refuses for a device: they are the per-family sysctl directories (`net.ipv4.conf.all`). */
const linuxReserved = new Set(['all', 'default']);

/**
 * Checks `name` for `platform` (`process.platform` values; anything other than `darwin` gets
 * the Linux rules). Returns null when valid, else a message saying what is wrong and what is
 * allowed.
 */
export function validateInterfaceName(name: string, platform: NodeJS.Platform = process.platform): string | null {
  const shown = JSON.stringify(name);
  if (platform === 'darwin') {
    return darwinName.test(name) ? null : `invalid interface name ${shown}: on macOS it must be utun followed by digits (e.g. utun20)`;
  }
  if (name.length === 0) return 'invalid interface name "": it must not be empty';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > linuxMaxBytes) return `invalid interface name ${shown}: ${bytes} bytes, at most ${linuxMaxBytes} allowed`;
  if (!linuxName.test(name)) {
    return `invalid interface name ${shown}: it must start with a letter and contain only letters, digits, "_" and "-"`;
  }
  if (linuxReserved.has(name)) return `invalid interface name ${shown}: Linux reserves it (net.ipv4.conf.${name})`;
  return null;
}

/** Throws an Error with the message of {@link validateInterfaceName} when `name` is invalid. */
export function assertInterfaceName(name: string, platform: NodeJS.Platform = process.platform): void {
  const problem = validateInterfaceName(name, platform);
  if (problem !== null) throw new Error(problem);
}
