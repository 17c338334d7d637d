/**
 * The sysctl seam: kernel parameters by dotted key. On Linux read and written as files under
 * /proc/sys, with no process spawned (ProcSysctl); on macOS through `sysctl(8)` (DarwinSysctl,
 * sysctl-darwin.ts). {@link ForwardingGuard} turns IP forwarding on for subnet routing and puts
 * back exactly what it found, also after a crash, from a record written before any change.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeJsonFile } from '../state/atomic-file';

/** Reads and writes kernel parameters by dotted key (`net.ipv4.ip_forward`). */
export interface Sysctl {
  /** The value, trimmed (e.g. `"1"`). Rejects when the key does not exist. */
  get(key: string): Promise<string>;
  /** Sets the value. Rejects when the key does not exist or the kernel refuses the value. */
  set(key: string, value: string): Promise<void>;
  /** The forwarding switches in this kernel's key namespace; absent = Linux ({@link forwardingKeys}). */
  readonly forwardingKeys?: ForwardingKeys;
}

/**
 * Throws unless `key` is a plausible sysctl key. The key becomes a path below /proc/sys, so
 * this is what keeps it there: no slashes, no empty segments, no `..`. Upper case is allowed
 * because interface names appear in keys (`net.ipv4.conf.eth0.rp_filter`). On macOS the key is
 * an argv element of sysctl(8), so a leading `-` (it would read as an option) is refused too.
 */
export function assertSysctlKey(key: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith('-') || key.split('.').includes('')) {
    throw new Error(`invalid sysctl key ${JSON.stringify(key)}`);
  }
}

/** Checks a value before it is written: digits, words, spaces and tabs (multi-value keys). */
export function assertSysctlValue(value: string): void {
  if (!/^[A-Za-z0-9_. \t:-]{1,256}$/.test(value)) throw new Error(`invalid sysctl value ${JSON.stringify(value)}`);
}

/** {@link Sysctl} over /proc/sys (or `root`, for tests). Needs root to set. */
export class ProcSysctl implements Sysctl {
  constructor(private readonly root = '/proc/sys') {}

  private file(key: string): string {
    assertSysctlKey(key);
    return path.join(this.root, ...key.split('.'));
  }

  async get(key: string): Promise<string> {
    try {
      return (await fs.readFile(this.file(key), 'utf8')).trim();
    } catch (e) {
      throw describeError(key, e);
    }
  }

  async set(key: string, value: string): Promise<void> {
    assertSysctlValue(value);
    try {
      // No O_CREAT: /proc/sys files exist or the key is unknown; never create a stray file.
      const h = await fs.open(this.file(key), 'r+');
      try {
        await h.write(`${value}\n`, 0);
      } finally {
        await h.close();
      }
    } catch (e) {
      throw describeError(key, e);
    }
  }
}

function describeError(key: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error(`sysctl ${key}: no such key (is the module loaded, or IPv6 disabled?)`);
  if (code === 'EACCES' || code === 'EPERM') return new Error(`sysctl ${key}: permission denied (needs root)`);
  return e instanceof Error ? e : new Error(String(e));
}

/** In-memory {@link Sysctl} for tests: seeded values, every set recorded. */
export class FakeSysctl implements Sysctl {
  readonly values: Map<string, string>;
  /** Every set as `key=value`, in order. */
  readonly sets: string[] = [];

  constructor(values: Record<string, string> = {}) {
    this.values = new Map(Object.entries(values));
  }

  async get(key: string): Promise<string> {
    assertSysctlKey(key);
    const v = this.values.get(key);
    if (v === undefined) throw new Error(`sysctl ${key}: no such key`);
    return v;
  }

  async set(key: string, value: string): Promise<void> {
    await this.get(key);
    assertSysctlValue(value);
    this.sets.push(`${key}=${value}`);
    this.values.set(key, value);
  }
}

/** The sysctl key that switches forwarding on (`1`) or off (`0`), per address family. */
export interface ForwardingKeys {
  readonly 4: string;
  readonly 6: string;
}

/** The forwarding switch of each address family on Linux. */
export const forwardingKeys = { 4: 'net.ipv4.ip_forward', 6: 'net.ipv6.conf.all.forwarding' } as const satisfies ForwardingKeys;

/** The forwarding switch of each address family on macOS (pfctl(8): "Forwarding can be enabled by setting…"). */
export const darwinForwardingKeys = { 4: 'net.inet.ip.forwarding', 6: 'net.inet6.ip6.forwarding' } as const satisfies ForwardingKeys;

/** Contents of the record file: the values found before the first change. */
interface ForwardingRecord {
  version: 1;
  previous: Record<string, string>;
}

/**
 * Enables IP forwarding while routes are advertised and restores it afterwards. The previous
 * values go to `recordFile` (atomically, 0600) *before* anything changes, so a process that
 * starts after a crash finds them and {@link restore} still puts back exactly those values.
 */
export class ForwardingGuard {
  private readonly keys: ForwardingKeys;

  /**
   * `keys`: the forwarding switches to manage; by default the sysctl's own
   * ({@link Sysctl.forwardingKeys}), else Linux's. Only these keys are accepted from the record.
   */
  constructor(private readonly sysctl: Sysctl, private readonly recordFile: string, keys?: ForwardingKeys) {
    this.keys = keys ?? sysctl.forwardingKeys ?? forwardingKeys;
    assertSysctlKey(this.keys[4]);
    assertSysctlKey(this.keys[6]);
  }

  /**
   * Makes forwarding on for exactly `families`: records and enables those not yet recorded
   * (values found on are recorded as on, so restore leaves them on), re-enables recorded ones
   * switched off meanwhile, and restores families recorded earlier but no longer listed.
   */
  async enable(families: readonly (4 | 6)[]): Promise<void> {
    const record = (await this.load()) ?? { version: 1, previous: {} };
    const want: string[] = [...new Set(families)].map((f) => this.keys[f]);
    let changed = false;
    for (const key of want) {
      if (record.previous[key] !== undefined) continue;
      record.previous[key] = await this.sysctl.get(key);
      changed = true;
    }
    if (changed) await writeJsonFile(this.recordFile, record, 0o600);
    for (const key of want) {
      if ((await this.sysctl.get(key)) !== '1') await this.sysctl.set(key, '1');
    }
    const stale = Object.keys(record.previous).filter((k) => !want.includes(k));
    if (stale.length > 0) await this.restoreKeys(record, stale);
  }

  /** Families whose previous value is on record (forwarding is managed for them). */
  async managed(): Promise<(4 | 6)[]> {
    const record = await this.load();
    return ([4, 6] as const).filter((f) => record?.previous[this.keys[f]] !== undefined);
  }

  /** Puts back every recorded value and deletes the record. No-op without a record. */
  async restore(): Promise<void> {
    const record = await this.load();
    if (record) await this.restoreKeys(record, Object.keys(record.previous));
  }

  // Values first, record last: a crash in between leaves a record that restores the same again.
  private async restoreKeys(record: ForwardingRecord, keys: string[]): Promise<void> {
    for (const key of keys) {
      const v = record.previous[key];
      if (v !== undefined && (await this.sysctl.get(key)) !== v) await this.sysctl.set(key, v);
      delete record.previous[key];
    }
    if (Object.keys(record.previous).length > 0) await writeJsonFile(this.recordFile, record, 0o600);
    else await fs.rm(this.recordFile, { force: true });
  }

  // The record is trusted only as far as its shape: known keys, small integer values.
  private async load(): Promise<ForwardingRecord | undefined> {
    const raw = await readJsonFile(this.recordFile);
    if (raw === undefined) return undefined;
    const prev = (raw as { previous?: unknown }).previous;
    if ((raw as { version?: unknown }).version !== 1 || typeof prev !== 'object' || prev === null) {
      throw new Error(`${this.recordFile}: not a forwarding record`);
    }
    const previous: Record<string, string> = {};
    for (const [k, v] of Object.entries(prev)) {
      if ((k !== this.keys[4] && k !== this.keys[6]) || typeof v !== 'string' || !/^[0-9]{1,3}$/.test(v)) throw new Error(`${this.recordFile}: bad entry ${k}`);
      previous[k] = v;
    }
    return { version: 1, previous };
  }
}
