/**
 * The real {@link DoctorSystem}: PATH lookups and the kernel-module look from the WireGuard
 * preflight, `stat(2)`, and the bound UDP ports from /proc/net/udp{,6} (the reading process's
 * network namespace, i.e. the service's). No process is spawned here.
 */
import { promises as fs } from 'node:fs';
import type { CommandRunner } from '../engine/exec';
import { findProgram } from '../engine/preflight';
import { kernelModuleMayExist } from '../engine/wireguard/device';
import type { DoctorSystem } from './doctor';
import { parseProcNetUdp, type FileInfo } from './system-checks';

/** stat(2) of `file` (not following a final symlink), or undefined when it does not exist. */
export async function statFile(file: string): Promise<FileInfo | undefined> {
  try {
    const st = await fs.lstat(file);
    return { mode: st.mode & 0o7777, uid: st.uid, isDirectory: st.isDirectory() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Ports of every UDP socket bound in this network namespace (IPv4 and IPv6). */
export async function procBoundUdpPorts(root = '/proc/net'): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const f of ['udp', 'udp6']) {
    const text = await fs.readFile(`${root}/${f}`, 'utf8').catch(() => '');
    for (const p of parseProcNetUdp(text)) ports.add(p);
  }
  return ports;
}

/** The doctor's view of this host. */
export function hostDoctorSystem(runner: CommandRunner): DoctorSystem {
  return {
    platform: process.platform,
    uid: process.getuid?.() ?? 0,
    runner,
    findProgram: (name) => findProgram(name),
    kernelModuleMayExist: () => kernelModuleMayExist(),
    stat: statFile,
    boundUdpPorts: () => procBoundUdpPorts(),
  };
}
