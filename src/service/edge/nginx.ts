/**
 * The edge's nginx controller: validate-then-reload of the rendered configuration
 * (nginx-config.ts) in a private instance (nginx-managed.ts) or the host's nginx
 * (nginx-system.ts). Every command goes through a CommandRunner as an argv array.
 * This module is the entry point: the contract, its errors and the factory.
 */
import path from 'node:path';
import type { Logger } from '../log';
import type { CommandRunner } from '../engine/exec';
import type { EdgeNginx } from './nginx-common';
import { ManagedNginx } from './nginx-managed';
import { SystemNginx } from './nginx-system';

export { NGINX_MISSING, NginxConfigError, hostNginxProcesses } from './nginx-common';
export type { EdgeNginx, EdgeNginxPaths, NginxInfo, NginxProcesses } from './nginx-common';
export { ManagedNginx, renderManagedMainConfig } from './nginx-managed';
export type { ManagedNginxOptions } from './nginx-managed';
export { SYSTEM_CONF_FILE, SystemNginx } from './nginx-system';
export type { SystemNginxOptions } from './nginx-system';

/** Options of {@link createEdgeNginx}. */
export interface CreateEdgeNginxOptions {
  runner: CommandRunner;
  /** cloudroofd's state directory: managed mode lives in `<stateDir>/nginx`, system mode keeps its web dirs under it. */
  stateDir: string;
  logger?: Logger;
  /** System mode: the directory nginx.conf includes inside http{}; default `/etc/nginx/conf.d`. */
  confDir?: string;
}

/**
 * The nginx of this edge: `managed` runs a private instance (it also owns the default servers:
 * render with `defaultServer: true`), `system` adds one file to the host's nginx (render with
 * `defaultServer: false`; the user's default site keeps that role).
 */
export function createEdgeNginx(mode: 'managed' | 'system', o: CreateEdgeNginxOptions): EdgeNginx {
  const logger = o.logger;
  if (mode === 'managed') {
    return new ManagedNginx({ runner: o.runner, dir: path.join(o.stateDir, 'nginx'), ...(logger ? { logger } : {}) });
  }
  return new SystemNginx({ runner: o.runner, stateDir: o.stateDir, ...(logger ? { logger } : {}), ...(o.confDir ? { confDir: o.confDir } : {}) });
}
