/**
 * Desired state that survives restarts: `prefs.json` (what the user wants: joined or not,
 * custom subnet, log level) and `secret` (the mesh secret, root-only 0600, kept apart so the
 * prefs can be shown and edited without ever touching the credential).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defaultDiscovery, DiscoverySettings } from '../../shared/discovery';
import { ControlError } from '../../shared/protocol';
import { validateInterfaceName } from '../engine/wireguard/iface-name';
import { readJsonFile, writeFileAtomic, writeJsonFile } from './atomic-file';

const prefsSchema = z.object({
  wantConnected: z.boolean().default(false),
  meshSubnet: z.string().optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  advertiseRoutes: z.array(z.object({ prefix: z.string(), masquerade: z.boolean() })).max(100).default([]),
  acceptRoutes: z.boolean().default(true),
  /** Sites this node exposes (issue 5), values canonical. */
  sites: z.array(z.object({
    name: z.string(), target: z.string(), hostnames: z.array(z.string()), healthPath: z.string(),
    healthIntervalS: z.number().int(), meshPort: z.number().int().optional(),
  })).max(64).default([]),
  /** How this node finds peers beyond the LAN (issue 3); defaults as Go wgmesh. */
  discovery: DiscoverySettings.default(DiscoverySettings.parse({})),
  /**
   * Overrides of `--interface` and `--listen-port` (PATCH /v1/prefs). A value this platform
   * cannot use (a hand-edited file) is dropped on load rather than voiding the whole file.
   */
  interfaceName: z.string().refine((n) => validateInterfaceName(n) === null).optional().catch(undefined),
  listenPort: z.number().int().min(1).max(65535).optional().catch(undefined),
  /** Edge mode and its settings; absent = never enabled. */
  edge: z.object({
    enabled: z.boolean(), certDir: z.string(), cacheSize: z.string(), maxBody: z.string(),
    httpPort: z.number().int(), httpsPort: z.number().int(),
  }).optional(),
});

/** Persisted preferences (intent). */
export type StoredPrefs = z.infer<typeof prefsSchema>;

/** Default preferences of a fresh install. */
export const defaultPrefs = (): StoredPrefs => ({ wantConnected: false, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true, sites: [], discovery: defaultDiscovery() });

/** Reads and writes prefs.json and the secret file in one state directory. */
export class PrefsFile {
  constructor(private readonly stateDir: string) {}

  private get prefsPath(): string { return path.join(this.stateDir, 'prefs.json'); }
  private get secretPath(): string { return path.join(this.stateDir, 'secret'); }
  private get interfacePath(): string { return path.join(this.stateDir, 'last-interface'); }

  /** Loads prefs; a missing or corrupt file yields the defaults (corruption is reported). */
  async load(onCorrupt?: (msg: string) => void): Promise<StoredPrefs> {
    try {
      const raw = await readJsonFile(this.prefsPath);
      if (raw === undefined) return defaultPrefs();
      const parsed = prefsSchema.safeParse(raw);
      if (parsed.success) return parsed.data;
      onCorrupt?.(`ignoring invalid ${this.prefsPath}`);
    } catch {
      onCorrupt?.(`ignoring unreadable ${this.prefsPath}`);
    }
    return defaultPrefs();
  }

  /** Saves prefs atomically; a failed write rejects with a ControlError naming the state dir. */
  async save(prefs: StoredPrefs): Promise<void> {
    await writeJsonFile(this.prefsPath, prefs, 0o600).catch((err: unknown) => { throw stateWriteError(this.prefsPath, err); });
  }

  /** The stored raw secret token, if any. */
  async loadSecret(): Promise<string | undefined> {
    try {
      const s = (await fs.readFile(this.secretPath, 'utf8')).trim();
      return s === '' ? undefined : s;
    } catch {
      return undefined;
    }
  }

  /** Puts back an earlier secret, or removes the file when there was none (join rollback). */
  async restoreSecret(previous: string | undefined): Promise<void> {
    if (previous === undefined) await fs.rm(this.secretPath, { force: true });
    else await this.saveSecret(previous);
  }

  /**
   * The name of the last mesh interface this node created (recorded before creating it), so a
   * start after a crash removes a leftover of it even when the name has changed since. Undefined
   * when none was recorded or the record is not a valid name (it becomes an `ip` argument).
   */
  async loadLastInterface(): Promise<string | undefined> {
    const name = (await fs.readFile(this.interfacePath, 'utf8').catch(() => '')).trim();
    return name !== '' && validateInterfaceName(name) === null ? name : undefined;
  }

  /** Records the interface about to be created (see {@link loadLastInterface}); rejects like {@link save}. */
  async saveLastInterface(name: string): Promise<void> {
    await writeFileAtomic(this.interfacePath, name + '\n', 0o600).catch((err: unknown) => { throw stateWriteError(this.interfacePath, err); });
  }

  /** Stores the secret (0600) atomically; a failed write rejects like {@link save}. */
  async saveSecret(secret: string): Promise<void> {
    await writeFileAtomic(this.secretPath, secret + '\n', 0o600).catch((err: unknown) => { throw stateWriteError(this.secretPath, err); });
  }
}

/**
 * Why a state file could not be written, for the user (a full disk or a read-only mount would
 * otherwise reach the client as a bare "internal error"). Names the file and the directory only.
 */
function stateWriteError(file: string, err: unknown): ControlError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' ? 'no space left on the device (the disk is full)'
    : code === 'EDQUOT' ? 'disk quota exceeded'
      : code === 'EROFS' ? 'the file system is read-only'
        : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
          : `${code ?? 'error'}`;
  return new ControlError('system-error', `could not write ${path.basename(file)} in the state directory ${path.dirname(file)}: ${why}`);
}
