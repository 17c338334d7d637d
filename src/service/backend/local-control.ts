/**
 * The endpoints about this machine behind the exposure wizard and the settings screen: its
 * listening TCP services (`GET /v1/local-services`), a one-off probe of a target
 * (`POST /v1/sites/probe`) and the explicit reveal of the stored mesh secret
 * (`POST /v1/secret/reveal`). Read-only: none of them changes state.
 */
import { networkInterfaces } from 'node:os';
import { isCanonicalToken } from '../../shared/mesh/secret';
import {
  ControlError, type LocalServicesResponse, type ProbeSiteRequest, type ProbeSiteResponse, type RevealSecretResponse,
} from '../../shared/protocol';
import type { CommandRunner } from '../engine/exec';
import { listListeningSockets } from '../engine/net/listening-sockets';
import type { ProcFs } from '../engine/net/proc-sockets';
import type { Logger } from '../log';
import { toLocalServices } from '../origin/local-services';
import { probeSite } from '../origin/probe';
import type { PrefsFile, StoredPrefs } from '../state/prefs';

/** What LocalControl needs from the backend. */
export interface LocalControlDeps {
  platform: NodeJS.Platform;
  /** Runs `lsof` on macOS. */
  runner: CommandRunner;
  /** The /proc reader on Linux (default the real one). */
  procFs?: ProcFs;
  logger: Logger;
  prefsFile: Pick<PrefsFile, 'loadSecret'>;
  prefs: () => Pick<StoredPrefs, 'sites'>;
  /** This node's mesh addresses while joined, else none. */
  meshAddresses: () => string[];
}

/** Addresses of this machine's interfaces (for matching sites to wildcard binds). */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address.toLowerCase()));
}

/** The wizard's local endpoints; see the module comment. */
export class LocalControl {
  constructor(private readonly d: LocalControlDeps) {}

  /** GET /v1/local-services: listening sockets minus the service's own and mesh-only ones. */
  async localServices(): Promise<LocalServicesResponse> {
    const sockets = await listListeningSockets({ platform: this.d.platform, runner: this.d.runner, ...(this.d.procFs ? { procFs: this.d.procFs } : {}) });
    const services = toLocalServices(sockets, {
      ownPid: process.pid, meshAddresses: this.d.meshAddresses(), localAddresses: hostAddresses(),
      sites: this.d.prefs().sites.map(({ name, target }) => ({ name, target })),
    });
    return { services };
  }

  /** POST /v1/sites/probe (origin/probe.ts). */
  probeSite(req: ProbeSiteRequest): Promise<ProbeSiteResponse> {
    return probeSite(req);
  }

  /**
   * POST /v1/secret/reveal: the stored secret as given to join, or `not-joined`. The one answer
   * of the API that carries the secret; the log says that it was revealed, never what.
   */
  async revealSecret(): Promise<RevealSecretResponse> {
    const secret = await this.d.prefsFile.loadSecret();
    if (secret === undefined) throw new ControlError('not-joined', 'no mesh secret is stored on this node (join a mesh first)');
    this.d.logger.info('mesh secret revealed to a control client');
    return { secret, token: isCanonicalToken(secret) };
  }
}
