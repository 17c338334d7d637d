/**
 * Gathers the material of a bug report (`GET /v1/diagnostics`): the backend's state as JSON,
 * the WireGuard device as the service last observed it (never its private or preshared keys),
 * recent logs, and the read-only commands a maintainer would ask for (`ip -d addr`, routes,
 * rules, our nftables tables, versions), each through the {@link CommandRunner} with a
 * timeout, run in parallel. A failing command or read becomes a section that says so; nothing
 * here throws. The result is unredacted: it only leaves the service through redact.ts.
 */
import os from 'node:os';
import type { Backend } from '../control/backend';
import type { CommandRunner } from '../engine/exec';
import type { Sysctl } from '../engine/sysctl';
import type { DeviceState } from '../engine/wireguard/uapi';
import type { LogBuffer } from '../log-buffer';
import { formatLogEntry } from '../../shared/log-format';
import type { DiagnosticsMaterial } from './redact';

/** What {@link collectDiagnostics} reads. */
export interface DiagnosticsSources {
  /** The backend's cheap state reads. */
  state: Pick<Backend, 'status' | 'peers' | 'getPrefs' | 'routes' | 'sites' | 'edge'>;
  runner: CommandRunner;
  /** Forwarding and reverse-path sysctls are read through it when given. */
  sysctl?: Sysctl;
  /** Recent log entries (logs.txt). */
  logs?: LogBuffer;
  /** The WireGuard device as last observed, when joined. */
  device?: DeviceState;
  interfaceName: string;
  /** Mesh secrets in use or stored (for redaction only; absent ones are skipped). */
  secrets: readonly (string | undefined)[];
  /** The mesh networks (their addresses stay readable). */
  meshNetworks?: readonly string[];
  /** Unix milliseconds of collection. */
  now: number;
  platform?: NodeJS.Platform;
  /** Per-command timeout; default {@link DIAGNOSTICS_COMMAND_TIMEOUT_MS}. */
  commandTimeoutMs?: number;
}

/** Default timeout of each diagnostics command. */
export const DIAGNOSTICS_COMMAND_TIMEOUT_MS = 5000;
/** Output kept per command; the rest is cut with a note. */
export const MAX_COMMAND_OUTPUT_CHARS = 512 * 1024;

/** Command sections per platform: file name → argv lists, run in order within a section. */
function commandSections(platform: NodeJS.Platform): [string, string[][]][] {
  const versions: string[][] = [['nginx', '-v'], ['wireguard-go', '--version'], ['wg', '--version']];
  if (platform === 'darwin') {
    return [
      ['ifconfig.txt', [['ifconfig', '-a']]],
      ['routes.txt', [['netstat', '-rn']]],
      ['pf.txt', [['pfctl', '-s', 'Anchors']]],
      ['versions.txt', versions],
    ];
  }
  return [
    ['ip-addr.txt', [['ip', '-d', 'addr']]],
    ['ip-route.txt', [['ip', 'route'], ['ip', '-6', 'route']]],
    ['ip-rule.txt', [['ip', 'rule'], ['ip', '-6', 'rule']]],
    ['nft.txt', [['nft', 'list', 'table', 'inet', 'cloudroof'], ['nft', 'list', 'table', 'inet', 'cloudroof_origin']]],
    ['versions.txt', [...versions, ['nft', '--version'], ['ip', '-V']]],
  ];
}

/** Collects every section; never rejects. */
export async function collectDiagnostics(src: DiagnosticsSources): Promise<DiagnosticsMaterial> {
  const platform = src.platform ?? process.platform;
  const timeoutMs = src.commandTimeoutMs ?? DIAGNOSTICS_COMMAND_TIMEOUT_MS;
  const status = attempt(() => src.state.status());
  const peers = attempt(() => src.state.peers());
  const sites = attempt(() => src.state.sites());
  const edge = await src.state.edge().then((value) => ({ value }), (err: unknown) => ({ error: describe(err) }));
  const commands = Promise.all(commandSections(platform).map(async ([name, argvs]) => {
    const parts = await Promise.all(argvs.map((argv) => runCommand(src.runner, argv, timeoutMs)));
    if (name === 'versions.txt') parts.unshift(versionsText(status));
    return { name, text: parts.join('\n') };
  }));
  const sysctls = src.sysctl ? readSysctls(src.sysctl, src.interfaceName, platform) : Promise.resolve('(no sysctl access)\n');
  const sections = [
    { name: 'status.json', text: json(status) },
    { name: 'peers.json', text: json(peers) },
    { name: 'prefs.json', text: json(attempt(() => src.state.getPrefs())) },
    { name: 'routes.json', text: json(attempt(() => src.state.routes())) },
    { name: 'sites.json', text: json(sites) },
    { name: 'edge.json', text: json(edge) },
    { name: 'wireguard.json', text: JSON.stringify(deviceView(src.device, src.interfaceName, src.now), null, 2) + '\n' },
    { name: 'logs.txt', text: logsText(src.logs) },
    ...(await commands),
    { name: 'sysctl.txt', text: await sysctls },
  ];
  const s = 'value' in status ? status.value : undefined;
  return {
    collectedAt: src.now,
    hostname: s?.hostname ?? os.hostname(),
    version: s?.version ?? 'unknown',
    sections,
    secrets: src.secrets.filter((x): x is string => typeof x === 'string' && x !== ''),
    publicKeys: [...publicKeysIn([status, peers, sites, edge]), ...(src.device ? devicePublicKeys(src.device) : [])],
    keepNetworks: [...(src.meshNetworks ?? [])],
  };
}

type Attempt<T> = { value: T } | { error: string };

function attempt<T>(read: () => T): Attempt<T> {
  try {
    return { value: read() };
  } catch (err) {
    return { error: describe(err) };
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function json(a: Attempt<unknown>): string {
  return 'value' in a ? JSON.stringify(a.value, null, 2) + '\n' : `(could not be read: ${a.error})\n`;
}

/** One command as `$ argv` followed by its output, or by why it failed. */
async function runCommand(runner: CommandRunner, argv: string[], timeoutMs: number): Promise<string> {
  const head = `$ ${argv.join(' ')}\n`;
  try {
    const { stdout, stderr } = await runner.run(argv, { timeoutMs });
    return head + cut(stdout + stderr);
  } catch (err) {
    return `${head}(failed: ${cut(describe(err)).trimEnd()})\n`;
  }
}

function cut(text: string): string {
  const body = text.length > MAX_COMMAND_OUTPUT_CHARS ? `${text.slice(0, MAX_COMMAND_OUTPUT_CHARS)}\n(output cut at ${MAX_COMMAND_OUTPUT_CHARS} characters)` : text;
  return body.endsWith('\n') || body === '' ? body : body + '\n';
}

/**
 * The device without key material: built member by member (never spread), so a private or
 * preshared key cannot slip through; a preshared key is only reported as present.
 */
export function deviceView(device: DeviceState | undefined, iface: string, now: number): unknown {
  if (!device) return { interface: iface, present: false };
  return {
    interface: iface, present: true, publicKey: device.publicKey ?? null, listenPort: device.listenPort,
    peers: device.peers.map((p) => ({
      publicKey: p.publicKey, endpoint: p.endpoint ?? null, allowedIps: [...p.allowedIps],
      persistentKeepaliveInterval: p.persistentKeepaliveInterval, presharedKey: p.presharedKey ? 'set' : 'none',
      lastHandshakeTime: p.lastHandshakeTime > 0 ? new Date(p.lastHandshakeTime).toISOString() : null,
      handshakeAgeS: p.lastHandshakeTime > 0 ? Math.round((now - p.lastHandshakeTime) / 1000) : null,
      rxBytes: p.rxBytes, txBytes: p.txBytes,
    })),
  };
}

function devicePublicKeys(device: DeviceState): string[] {
  return [device.publicKey, ...device.peers.map((p) => p.publicKey)].filter((k): k is string => typeof k === 'string');
}

/** Every string under a member named `publicKey` (or `…PublicKey`), at any depth. */
function publicKeysIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) publicKeysIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (/^publicKey$|PublicKey$/.test(k) && typeof v === 'string') out.add(v);
      else publicKeysIn(v, out);
    }
  }
  return out;
}

function logsText(logs: LogBuffer | undefined): string {
  const entries = logs?.entries() ?? [];
  if (entries.length === 0) return '(no log entries buffered)\n';
  return entries.map((e) => formatLogEntry(e, { precise: true })).join('\n') + '\n';
}

function versionsText(status: Attempt<{ version: string }>): string {
  return [
    `cloudroofd ${'value' in status ? status.value.version : 'unknown'}`,
    `node ${process.version} (${process.platform} ${process.arch})`,
    `os ${os.type()} ${os.release()} ${os.version()}`,
  ].join('\n') + '\n';
}

/** The forwarding, reverse-path and mark sysctls that decide whether routed traffic flows. */
async function readSysctls(sysctl: Sysctl, iface: string, platform: NodeJS.Platform): Promise<string> {
  const keys = sysctl.forwardingKeys
    ? [sysctl.forwardingKeys[4], sysctl.forwardingKeys[6]]
    : platform === 'darwin' ? [] : [
      'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding', 'net.ipv6.conf.default.forwarding',
      'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter', `net.ipv4.conf.${iface}.rp_filter`,
      'net.ipv4.conf.all.src_valid_mark', 'net.ipv6.conf.all.disable_ipv6',
    ];
  const lines = await Promise.all(keys.map((k) => sysctl.get(k).then((v) => `${k} = ${v}`, (err: unknown) => `${k}: ${describe(err)}`)));
  return lines.join('\n') + '\n';
}
