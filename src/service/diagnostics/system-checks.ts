/**
 * Doctor checks of the machine itself (issue 8): WireGuard available, the programs the service
 * drives installed, the state directory and secret file private, and, while joined, the mesh
 * interface up with its addresses and WireGuard's UDP port bound. Each check is a small
 * function over seams (program lookup, stat, a CommandRunner, the bound UDP ports) and returns
 * findings; none changes anything.
 */
import path from 'node:path';
import type { DoctorFinding } from '../../shared/protocol';
import { CommandError, packageHintFor, type CommandRunner } from '../engine/exec';

/** What {@link FileStat} reports about a path. */
export interface FileInfo {
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  isDirectory: boolean;
}

/** `stat(2)` of a path, or undefined when it does not exist. */
export type FileStat = (file: string) => Promise<FileInfo | undefined>;

/** Finds a program on PATH (and the sbin folders); undefined when it is not installed. */
export type ProgramLookup = (name: string) => string | undefined;

/** The fix commands quote paths that are not plain (they are pasted into a root shell). */
export function shellPath(p: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;
const chown = (uid: number): string => (uid === 0 ? 'root:root' : String(uid));

/**
 * A WireGuard implementation exists: the kernel module (or, when a cheap look cannot rule it
 * out, possibly one) or wireguard-go. macOS always needs wireguard-go.
 */
export function checkWireGuard(o: { platform: NodeJS.Platform; findProgram: ProgramLookup; kernelModuleMayExist: () => boolean }): DoctorFinding[] {
  const wgGo = o.findProgram('wireguard-go') !== undefined;
  const kernel = o.platform === 'linux' && o.kernelModuleMayExist();
  if (wgGo || kernel) return [];
  return [{
    id: 'wireguard-unavailable',
    severity: 'error',
    message: o.platform === 'linux'
      ? 'WireGuard is not available: this kernel has no WireGuard module and wireguard-go is not installed'
      : 'WireGuard is not available: wireguard-go is not installed',
    fix: o.platform === 'linux' ? 'sudo apt-get install wireguard-go (or use a kernel with the wireguard module)' : 'brew install wireguard-go',
  }];
}

/**
 * `ip` (Linux) is needed for the interface; `nft` for advertised routes and exposed sites (an
 * error then, else a warning).
 */
export function checkPrograms(o: { platform: NodeJS.Platform; findProgram: ProgramLookup; nftNeeded: boolean }): DoctorFinding[] {
  if (o.platform !== 'linux') return [];
  const out: DoctorFinding[] = [];
  for (const name of ['ip', 'nft']) {
    if (o.findProgram(name) !== undefined) continue;
    const needed = name === 'ip' || o.nftNeeded;
    out.push({
      id: `${name}-missing`,
      severity: needed ? 'error' : 'warning',
      message: name === 'ip'
        ? '`ip` (iproute2) is not installed: the service cannot configure the mesh interface'
        : `\`nft\` (nftables) is not installed: ${o.nftNeeded ? 'the advertised routes and exposed sites need it' : 'advertising routes and exposing sites will need it'}`,
      fix: `sudo apt-get install ${packageHintFor(name) ?? name}`,
    });
  }
  return out;
}

/**
 * The state directory holds the identity and the mesh secret: it must exist, be a directory
 * owned by the service's user and closed to everyone else (0700); the secret file, when there
 * is one, owned by that user and 0600.
 */
export async function checkStateDir(o: { stateDir: string; uid: number; stat: FileStat }): Promise<DoctorFinding[]> {
  const dir = shellPath(o.stateDir);
  const st = await o.stat(o.stateDir);
  if (!st || !st.isDirectory) {
    return [{
      id: 'state-dir-missing', severity: 'error',
      message: `the state directory ${o.stateDir} ${st ? 'is not a directory' : 'does not exist'} (identity, prefs and secret live there)`,
      fix: `sudo systemctl restart cloudroofd (it creates ${o.stateDir} with mode 0700)`,
    }];
  }
  const out: DoctorFinding[] = [];
  if (st.mode & 0o077) {
    out.push({ id: 'state-dir-permissions', severity: 'error', message: `the state directory ${o.stateDir} is mode ${octal(st.mode)}; it holds the mesh secret and must be 0700`, fix: `sudo chmod 700 ${dir}` });
  }
  if (st.uid !== o.uid) {
    out.push({ id: 'state-dir-owner', severity: 'error', message: `the state directory ${o.stateDir} is owned by uid ${st.uid}, not by the service's user (uid ${o.uid})`, fix: `sudo chown ${chown(o.uid)} ${dir}` });
  }
  const secretPath = path.join(o.stateDir, 'secret');
  const secret = await o.stat(secretPath);
  if (secret && secret.mode & 0o077) {
    out.push({ id: 'secret-permissions', severity: 'error', message: `the mesh secret ${secretPath} is mode ${octal(secret.mode)}; anyone who reads it can join the mesh. It must be 0600`, fix: `sudo chmod 600 ${shellPath(secretPath)}` });
  }
  if (secret && secret.uid !== o.uid) {
    out.push({ id: 'secret-owner', severity: 'error', message: `the mesh secret ${secretPath} is owned by uid ${secret.uid}, not by the service's user (uid ${o.uid})`, fix: `sudo chown ${chown(o.uid)} ${shellPath(secretPath)}` });
  }
  return out;
}

/** What {@link checkInterface} compares against. */
export interface JoinedInterface {
  iface: string;
  meshIPv4?: string;
  /** WireGuard's UDP listen port. */
  listenPort?: number;
}

const RESTART = 'sudo systemctl restart cloudroofd (the service rebuilds the interface when it rejoins)';

/**
 * While joined (Linux): the interface exists, is up, carries the mesh IPv4, and WireGuard's UDP
 * port is bound (else no peer can reach this node).
 */
export async function checkInterface(o: { runner: CommandRunner; boundUdpPorts: () => Promise<Set<number>> }, j: JoinedInterface): Promise<DoctorFinding[]> {
  let links: { flags?: string[]; addr_info?: { local?: string }[] }[];
  try {
    links = JSON.parse((await o.runner.run(['ip', '-j', 'addr', 'show', 'dev', j.iface])).stdout || '[]') as typeof links;
  } catch (err) {
    if (err instanceof CommandError && err.missingBinary) return []; // reported by checkPrograms
    links = [];
  }
  const link = links[0];
  if (!link) {
    return [{ id: 'interface-missing', severity: 'error', message: `the mesh interface ${j.iface} does not exist although this node is joined`, fix: RESTART }];
  }
  const out: DoctorFinding[] = [];
  if (!(link.flags ?? []).includes('UP')) {
    out.push({ id: 'interface-down', severity: 'error', message: `the mesh interface ${j.iface} is down`, fix: `sudo ip link set dev ${j.iface} up` });
  }
  if (j.meshIPv4 && !(link.addr_info ?? []).some((a) => a.local === j.meshIPv4)) {
    out.push({ id: 'interface-address-missing', severity: 'error', message: `the mesh interface ${j.iface} lacks its mesh address ${j.meshIPv4}`, fix: RESTART });
  }
  if (j.listenPort !== undefined && !(await o.boundUdpPorts()).has(j.listenPort)) {
    out.push({
      id: 'listen-port-not-bound', severity: 'error',
      message: `WireGuard's UDP port ${j.listenPort} is not bound on this machine: peers cannot reach ${j.iface}`,
      fix: RESTART,
    });
  }
  return out;
}

/**
 * Local ports of the sockets listed in /proc/net/udp or udp6 text (column `local_address`,
 * `ADDR:PORT` in hex). Malformed lines are skipped.
 */
export function parseProcNetUdp(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    const hex = local?.split(':')[1];
    if (hex && /^[0-9A-Fa-f]{4}$/.test(hex)) out.push(parseInt(hex, 16));
  }
  return out;
}
