/**
 * The sysctl seam: kernel parameters by dotted key. On Linux read and written as files under
 * /proc/sys, with no process spawned (ProcSysctl); on macOS through `sysctl(8)` (DarwinSysctl,
 * sysctl-darwin.ts). {@link ForwardingGuard} turns IP forwarding on for subnet routing and puts
 * back exactly what it found, also after a crash, from a record written before any change.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeJsonFile } from '../state/atomic-file';
import { validateInterfaceName } from './wireguard/iface-name';

/** Reads and writes kernel parameters by dotted key (`net.ipv4.ip_forward`). */
export interface Sysctl {
  /** The value, trimmed (e.g. `"1"`). Rejects when the key does not exist. */
  get(key: string): Promise<string>;
  /** Sets the value. Rejects when the key does not exist or the kernel refuses the value. */
  set(key: string, value: string): Promise<void>;
  /** The forwarding switches in this kernel's key namespace; absent = Linux ({@link forwardingKeys}). */
  readonly forwardingKeys?: ForwardingKeys;
  /**
   * The names below `net.ipv6.conf` other than `all` and `default` (the interfaces with IPv6
   * settings), unfiltered: they come from the system, check them before building keys. Absent
   * where there is no such tree (macOS).
   */
  ipv6ConfNames?(): Promise<string[]>;
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

  /** The directories below `net/ipv6/conf`; none when IPv6 is disabled (no such directory). */
  async ipv6ConfNames(): Promise<string[]> {
    const names = await fs.readdir(path.join(this.root, 'net', 'ipv6', 'conf')).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
    return names.filter((n) => n !== 'all' && n !== 'default');
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

  /** The `<name>` of every seeded `net.ipv6.conf.<name>.<leaf>` key (delete its keys to remove an interface). */
  async ipv6ConfNames(): Promise<string[]> {
    const names = [...this.values.keys()].map((k) => /^net\.ipv6\.conf\.([^.]+)\.[^.]+$/.exec(k)?.[1]);
    return [...new Set(names)].filter((n): n is string => n !== undefined && n !== 'all' && n !== 'default');
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

/**
 * Contents of the record file: the values found before the first change. `acceptRa` (absent in
 * records written before it existed, and whenever empty) holds, by interface name (or
 * `default`), each `net.ipv6.conf.<name>.accept_ra` that was 1 and set to 2 because we turned
 * IPv6 forwarding on.
 */
interface ForwardingRecord {
  version: 1;
  previous: Record<string, string>;
  acceptRa?: Record<string, string>;
}

/** Seams of {@link ForwardingGuard}. */
export interface ForwardingGuardOptions {
  /**
   * Lists the names below `net.ipv6.conf` (interfaces; `all`, `default` and invalid names are
   * ignored). Default: the sysctl's own {@link Sysctl.ipv6ConfNames} (on Linux the directory
   * /proc/sys/net/ipv6/conf), none where it has none.
   */
  ipv6ConfNames?: () => Promise<readonly string[]> | readonly string[];
}

/** The key of an interface's (or `default`'s) router-advertisement switch. */
const acceptRaKey = (name: string): string => `net.ipv6.conf.${name}.accept_ra`;

/**
 * Whether `name` (from the system or the record) may be put into a key: `default`, or a Linux
 * interface name (a letter, then letters, digits, `_`, `-`; at most 15 bytes). Names with dots
 * (VLANs such as `eth0.100`) cannot be written as dotted keys and are left alone.
 */
const isAcceptRaName = (name: string): boolean => name === 'default' || (name !== 'all' && validateInterfaceName(name, 'linux') === null);

/**
 * Enables IP forwarding while routes are advertised and restores it afterwards. The previous
 * values go to `recordFile` (atomically, 0600) *before* anything changes, so a process that
 * starts after a crash finds them and {@link restore} still puts back exactly those values.
 *
 * Router advertisements (Linux): with `net.ipv6.conf.all.forwarding=1` the kernel ignores RAs
 * on every interface whose `accept_ra` is 1, and switching forwarding on at once purges the
 * default routes learned from RAs on those interfaces (rt6_purge_dflt_routers): a host that
 * gets its IPv6 default route by SLAAC would lose IPv6. So when this guard turns IPv6
 * forwarding on (it was not on before), it first sets every `accept_ra` that is exactly 1
 * (`default` too, for interfaces that appear later; not `all` or `lo`) to 2, "accept RAs even
 * when forwarding", recording each previous value, and restores them after forwarding is off
 * again. Interfaces gone by then are skipped. An interface that appears while `default` is 2
 * keeps 2 after restore, which with forwarding off behaves exactly like 1.
 */
export class ForwardingGuard {
  private readonly keys: ForwardingKeys;
  /** Whether `accept_ra` exists here (Linux keys); false on macOS, where nothing is done. */
  private readonly acceptRa: boolean;
  private readonly listIpv6ConfNames: () => Promise<readonly string[]> | readonly string[];

  /**
   * `keys`: the forwarding switches to manage; by default the sysctl's own
   * ({@link Sysctl.forwardingKeys}), else Linux's. Only these keys are accepted from the record.
   */
  constructor(private readonly sysctl: Sysctl, private readonly recordFile: string, keys?: ForwardingKeys, options: ForwardingGuardOptions = {}) {
    this.keys = keys ?? sysctl.forwardingKeys ?? forwardingKeys;
    assertSysctlKey(this.keys[4]);
    assertSysctlKey(this.keys[6]);
    this.acceptRa = this.keys[6] === forwardingKeys[6];
    this.listIpv6ConfNames = options.ipv6ConfNames ?? (async () => (await sysctl.ipv6ConfNames?.()) ?? []);
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
    // We turn IPv6 forwarding on (it was off): keep RAs accepted where they are now.
    const v6 = this.keys[6];
    const raWanted = this.acceptRa && want.includes(v6) && record.previous[v6] !== '1';
    if (raWanted && (await this.recordAcceptRa(record))) changed = true;
    if (changed) await this.save(record);
    // accept_ra first: turning forwarding on purges RA default routes where accept_ra is not 2.
    if (raWanted) {
      for (const name of Object.keys(record.acceptRa ?? {})) await this.setIfPresent(acceptRaKey(name), '2');
    }
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

  /**
   * Adds to `record.acceptRa` every `accept_ra` (of `default` and each interface but `lo`) that
   * is exactly 1 and not on record yet; true when it added any. Names that are invalid, or whose
   * key cannot be read (the interface vanished meanwhile), are skipped.
   */
  private async recordAcceptRa(record: ForwardingRecord): Promise<boolean> {
    const names = ['default', ...(await this.listIpv6ConfNames()).filter((n) => n !== 'default' && n !== 'lo' && isAcceptRaName(n))];
    const acceptRa = record.acceptRa ?? {};
    let added = false;
    for (const name of new Set(names)) {
      if (acceptRa[name] !== undefined) continue;
      if ((await this.read(acceptRaKey(name))) !== '1') continue;
      acceptRa[name] = '1';
      added = true;
    }
    if (added) record.acceptRa = acceptRa;
    return added;
  }

  // Values first, record last: a crash in between leaves a record that restores the same again.
  // Forwarding goes back before accept_ra: with forwarding off, accept_ra 1 and 2 mean the same.
  private async restoreKeys(record: ForwardingRecord, keys: string[]): Promise<void> {
    for (const key of keys) {
      const v = record.previous[key];
      if (v !== undefined && (await this.sysctl.get(key)) !== v) await this.sysctl.set(key, v);
      delete record.previous[key];
    }
    if (record.acceptRa && record.previous[this.keys[6]] === undefined) {
      for (const [name, v] of Object.entries(record.acceptRa)) await this.setIfPresent(acceptRaKey(name), v);
      delete record.acceptRa;
    }
    if (Object.keys(record.previous).length > 0) await this.save(record);
    else await fs.rm(this.recordFile, { force: true });
  }

  /** Writes the record atomically (0600), without an empty `acceptRa`. */
  private async save(record: ForwardingRecord): Promise<void> {
    const { acceptRa, ...rest } = record;
    await writeJsonFile(this.recordFile, acceptRa && Object.keys(acceptRa).length > 0 ? { ...rest, acceptRa } : rest, 0o600);
  }

  /** The value of `key`, or undefined when it cannot be read (e.g. its interface is gone). */
  private async read(key: string): Promise<string | undefined> {
    return this.sysctl.get(key).catch(() => undefined);
  }

  /** Sets `key` to `value` unless it already is; does nothing when the key is gone (its interface vanished). */
  private async setIfPresent(key: string, value: string): Promise<void> {
    const current = await this.read(key);
    if (current === undefined || current === value) return;
    try {
      await this.sysctl.set(key, value);
    } catch (e) {
      // Gone between the read and the write: fine. Still there: a real failure.
      if ((await this.read(key)) !== undefined) throw e;
    }
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
    const ra = (raw as { acceptRa?: unknown }).acceptRa;
    if (ra === undefined) return { version: 1, previous };
    if (!this.acceptRa || typeof ra !== 'object' || ra === null || Array.isArray(ra)) throw new Error(`${this.recordFile}: bad entry acceptRa`);
    const acceptRa: Record<string, string> = {};
    for (const [name, v] of Object.entries(ra)) {
      if (!isAcceptRaName(name) || typeof v !== 'string' || !/^[0-9]{1,3}$/.test(v)) throw new Error(`${this.recordFile}: bad entry acceptRa.${name}`);
      acceptRa[name] = v;
    }
    return { version: 1, previous, acceptRa };
  }
}
