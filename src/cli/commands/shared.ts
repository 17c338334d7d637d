/** Small helpers shared by several commands. */
import { parseMeshSubnet } from '../../shared/mesh/address';
import { CliError } from '../errors';

/** Validates `--mesh-subnet` (spec 1.5) and returns its canonical form; undefined passes through. */
export function checkMeshSubnet(cidr: string | undefined): string | undefined {
  if (cidr === undefined) return undefined;
  try {
    return parseMeshSubnet(cidr).cidr;
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : 'invalid mesh subnet');
  }
}

/**
 * Checks a WireGuard interface name the way the kernel would accept it (1–15 bytes, no `/`,
 * whitespace or `:`, not `.` or `..`).
 */
export function checkInterfaceName(name: string): string {
  if (!/^[A-Za-z0-9_.=+-]{1,15}$/.test(name) || name === '.' || name === '..') {
    throw new CliError(`invalid interface name '${name.slice(0, 32)}': use 1-15 letters, digits or _.=+-`);
  }
  return name;
}
