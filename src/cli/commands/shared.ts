/** Small helpers shared by several commands. */
import { parseMeshSubnet } from '../../shared/mesh/address';
import { CliError, EXIT_USAGE } from '../errors';

/**
 * A port option's value (`--port`, `--http-port`…): decimal digits, 1–65535; undefined passes
 * through. Anything else is a usage error (exit 2) naming the option `what`.
 */
export function portOption(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^[0-9]{1,5}$/.test(text) || n < 1 || n > 65535) throw new CliError(`${what} must be a port number 1–65535`, EXIT_USAGE);
  return n;
}

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
