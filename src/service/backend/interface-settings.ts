/**
 * The WireGuard interface name and UDP port a node uses: the `--interface`/`--listen-port` flags,
 * overridden by the `interfaceName`/`listenPort` prefs (PATCH /v1/prefs). Here: the effective
 * values, whether a running connection must move to them, and the checks a change must pass
 * before anything is changed (`invalid-interface`, `port-in-use`).
 */
import { ControlError, type PrefsPatch } from '../../shared/protocol';
import type { Router } from '../engine/router/router';
import { validateInterfaceName } from '../engine/wireguard/iface-name';
import type { Logger } from '../log';
import type { PrefsFile, StoredPrefs } from '../state/prefs';

/** The interface and port to open a connection with. */
export interface InterfaceSettings {
  interfaceName: string;
  listenPort: number;
  /** The port was asked for (flag or pref): no fallback to the next free one. */
  listenPortExplicit: boolean;
}

/** The flags' values, overridden by the prefs. */
export function effectiveSettings(prefs: Pick<StoredPrefs, 'interfaceName' | 'listenPort'>, flags: InterfaceSettings): InterfaceSettings {
  return {
    interfaceName: prefs.interfaceName ?? flags.interfaceName,
    listenPort: prefs.listenPort ?? flags.listenPort,
    listenPortExplicit: prefs.listenPort !== undefined || flags.listenPortExplicit,
  };
}

/**
 * Whether a connection on `running` must be reopened to follow `next`: another interface, or an
 * explicit port other than the one in use (an automatic port stays where it found room).
 */
export function needsReconnect(running: { interfaceName: string; listenPort: number }, next: InterfaceSettings): boolean {
  return running.interfaceName !== next.interfaceName || (next.listenPortExplicit && running.listenPort !== next.listenPort);
}

/**
 * `invalid-interface` for a name this platform refuses (iface-name.ts rules), else undefined.
 * The message states the rule without repeating the refused input.
 */
export function interfaceNameError(name: string, platform: NodeJS.Platform): ControlError | undefined {
  const problem = validateInterfaceName(name, platform);
  return problem === null ? undefined : new ControlError('invalid-interface', problem.replace(/^invalid interface name "(?:[^"\\]|\\.)*"/, 'invalid interface name'));
}

/** What {@link checkInterfacePatch} looks at. */
export interface InterfacePatchContext {
  platform: NodeJS.Platform;
  router: Pick<Router, 'linkExists'>;
  /** Resolves the port when free; rejects (`port-in-use`) when taken. */
  findListenPort: (port: number, explicit: boolean) => Promise<number>;
  /** The stored overrides, before the patch. */
  prefs: Pick<StoredPrefs, 'interfaceName' | 'listenPort'>;
  /** Interface names that are this node's own (in use, effective, last created): never "taken". */
  ownInterfaces: readonly (string | undefined)[];
  /** The port the running connection holds, if joined. */
  portInUse?: number;
}

/**
 * Checks the interface and port of a prefs patch without changing anything: a name the platform
 * refuses, or one of another existing interface (creating ours would replace it), is
 * `invalid-interface`; a new port that is taken on this machine is `port-in-use`.
 */
export async function checkInterfacePatch(patch: PrefsPatch, ctx: InterfacePatchContext): Promise<void> {
  const name = patch.interfaceName;
  if (name !== undefined) {
    const invalid = interfaceNameError(name, ctx.platform);
    if (invalid) throw invalid;
    if (!ctx.ownInterfaces.includes(name) && (await ctx.router.linkExists(name))) {
      throw new ControlError('invalid-interface', `an interface named ${name} already exists on this machine; choose another name`);
    }
  }
  const port = patch.listenPort;
  if (port === undefined || port === ctx.prefs.listenPort || port === ctx.portInUse) return;
  try {
    await ctx.findListenPort(port, true);
  } catch (err) {
    if (err instanceof ControlError) throw err;
    throw new ControlError('port-in-use', `UDP port ${port} is in use on this machine; choose another`);
  }
}

/** What {@link InterfaceRecord} needs. */
export interface InterfaceRecordDeps {
  prefsFile: Pick<PrefsFile, 'loadLastInterface' | 'saveLastInterface'>;
  router: Pick<Router, 'linkExists' | 'deleteLink'>;
  logger: Logger;
}

/**
 * The name of the last interface this node created, kept in the state dir so that a start after
 * a crash removes a leftover of it (and its orphaned wireguard-go) even when the name changed
 * since (an `interfaceName` pref, a new `--interface`).
 */
export class InterfaceRecord {
  /** The recorded name, once {@link load}ed or {@link record}ed. */
  last: string | undefined;

  constructor(private readonly d: InterfaceRecordDeps) {}

  /** Reads the record (undefined when there is none). */
  async load(): Promise<string | undefined> {
    this.last = await this.d.prefsFile.loadLastInterface();
    return this.last;
  }

  /** Records the interface about to be created; best effort (a failed write only weakens the clean-up). */
  async record(name: string): Promise<void> {
    if (this.last === name) return;
    await this.d.prefsFile.saveLastInterface(name).then(
      () => { this.last = name; },
      (err: Error) => this.d.logger.warn('could not record the mesh interface name', { error: err.message }),
    );
  }

  /** Deletes each named interface that exists (ours, left behind by a crash); failures are logged. */
  async removeLeftovers(names: readonly (string | undefined)[]): Promise<void> {
    for (const iface of new Set(names)) {
      if (iface === undefined) continue;
      try {
        if (!(await this.d.router.linkExists(iface))) continue;
        await this.d.router.deleteLink(iface);
        this.d.logger.warn('removed a leftover mesh interface', { iface });
      } catch (err) {
        this.d.logger.warn('could not remove a leftover mesh interface', { iface, error: (err as Error).message });
      }
    }
  }
}
