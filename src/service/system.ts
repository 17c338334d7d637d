/**
 * Composition root of cloudroofd: picks the platform implementations, builds the backend and
 * the control server, and wires signals. Only wiring lives here.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { systemClock } from './clock';
import { ServiceBackend } from './backend/service-backend';
import { startControlServer, type ControlServer } from './control/server';
import { WebConsoleManager } from './control/web-console';
import { ExecCommandRunner } from './engine/exec';
import { missingPrograms } from './engine/preflight';
import { createRouter } from './engine/router/router';
import { createFirewall } from './engine/firewall/firewall';
import { createOriginFirewall } from './engine/firewall/origin-firewall';
import { createEdgeNginx } from './edge/nginx';
import { createSysctl } from './engine/sysctl-darwin';
import { createWireGuardDevice, findFreeListenPort, kernelModuleMayExist } from './engine/wireguard/device';
import { UserspaceWireGuardDevice } from './engine/wireguard/userspace-device';
import { createLogger, type LogLevel } from './log';
import { LogBuffer } from './log-buffer';
import type { MetricsAddress } from './metrics/address';
import { ensureStateDir } from './state/atomic-file';
import { PrefsFile } from './state/prefs';
import { ControlError } from '../shared/protocol';
import { useHashBackend } from '../shared/mesh/hash';
import { nodeHashBackend } from './mesh/node-hash';

/** Settings from flags and environment. */
export interface ServiceConfig {
  socketPath: string;
  stateDir: string;
  interfaceName: string;
  listenPort: number;
  listenPortExplicit: boolean;
  logLevel?: LogLevel;
  version: string;
  /** How edge mode drives nginx. */
  nginxMode: 'system' | 'managed';
  /** Serve Prometheus metrics at http://<address>/metrics; off when absent. */
  metrics?: MetricsAddress;
  /** The built renderer the web console serves (index.html, assets/); absent: pages missing. */
  webRoot?: string;
}

/** A running service. */
export interface RunningService {
  backend: ServiceBackend;
  control: ControlServer;
  webConsole: WebConsoleManager;
  /** Orderly stop: leave the device (intent kept), close the socket. */
  stop(): Promise<void>;
}

/** Starts the service; rejects with a user-facing message when it cannot. */
export async function startService(cfg: ServiceConfig): Promise<RunningService> {
  useHashBackend(nodeHashBackend);
  let level: LogLevel = cfg.logLevel ?? 'info';
  let secret: string | undefined;
  const consoleRef: { current?: WebConsoleManager } = {}; // built after the logger, which must scrub its token
  const logs = new LogBuffer();
  const scrub = (): string[] => [...(secret ? [secret] : []), ...(consoleRef.current?.scrubList() ?? [])];
  const logger = createLogger('cloudroofd', { level: () => level, scrub, sink: (e) => logs.push(e) });
  await ensureStateDir(cfg.stateDir);
  const runner = new ExecCommandRunner();
  // Loaded only when asked for: the Prometheus client costs ~10 MiB and start-up time.
  const metrics = cfg.metrics && await (await import('./metrics')).startServiceMetrics({
    address: cfg.metrics, version: cfg.version, logger, cacheLogFile: createEdgeNginx(cfg.nginxMode, { runner, stateDir: cfg.stateDir }).paths.cacheLog,
  });
  const backend = new ServiceBackend({
    stateDir: cfg.stateDir, interfaceName: cfg.interfaceName, listenPort: cfg.listenPort,
    listenPortExplicit: cfg.listenPortExplicit, hostname: printableHostname(), version: cfg.version,
    clock: systemClock, logger, prefsFile: new PrefsFile(cfg.stateDir), router: createRouter(runner),
    firewall: createFirewall(runner), sysctl: createSysctl(runner), runner,
    originFirewall: createOriginFirewall(runner), ipv6: hasIPv6(),
    createNginx: () => createEdgeNginx(cfg.nginxMode, { runner, stateDir: cfg.stateDir, logger: logger.child('nginx') }),
    createDevice: async (name) => {
      const missing = missingPrograms(process.platform === 'linux' ? ['ip'] : ['ifconfig', 'route']);
      if (missing) throw new ControlError('wireguard-unavailable', missing);
      const device = await createWireGuardDevice(name, { runner, logger, kernelModuleMayExist: () => kernelModuleMayExist() });
      if (device instanceof UserspaceWireGuardDevice) {
        const noWgGo = missingPrograms(['wireguard-go']);
        if (noWgGo) throw new ControlError('wireguard-unavailable', `no kernel WireGuard module and ${noWgGo}`);
      }
      return device;
    },
    findListenPort: (preferred, explicit) => findFreeListenPort(preferred, explicit ? 0 : 100).catch(() => {
      throw new ControlError('port-in-use', explicit
        ? `UDP port ${preferred} is in use; choose another with --listen-port`
        : `no free UDP port in ${preferred}-${preferred + 100}`);
    }),
    setLogLevel: (l) => { if (!cfg.logLevel) level = l; },
    onSecret: (raw) => { secret = raw; },
    logs,
    ...(metrics ? { metrics: metrics.hooks } : {}),
  });
  metrics?.attach(backend);
  await backend.init();
  const webConsole = consoleRef.current = new WebConsoleManager({ stateDir: cfg.stateDir, backend, logger, ipv6: hasIPv6(), ...(cfg.webRoot ? { webRoot: cfg.webRoot } : {}) });
  const control = await startControlServer({ socketPath: cfg.socketPath, backend, logger, logs, webConsole });
  await webConsole.start();
  logger.info('cloudroofd ready', { socket: cfg.socketPath, stateDir: cfg.stateDir, iface: backend.status().interface, version: cfg.version });
  return {
    backend, control, webConsole,
    stop: async () => {
      await control.close().catch(() => undefined);
      await webConsole.stop().catch(() => undefined);
      await metrics?.close().catch(() => undefined);
      await backend.shutdown();
    },
  };
}

/**
 * The name announced to peers: CLOUDROOF_HOSTNAME if set (several nodes on one host, labs), else
 * the OS hostname, reduced to what announcements may carry (printable ASCII, ≤ 253 bytes).
 */
function printableHostname(): string {
  return (process.env.CLOUDROOF_HOSTNAME || os.hostname()).replace(/[^\x20-\x7e]/g, '').slice(0, 253);
}

/** Whether the kernel has IPv6 (edges then listen on [::] too). */
function hasIPv6(): boolean {
  return process.platform !== 'linux' || existsSync('/proc/net/if_inet6');
}
