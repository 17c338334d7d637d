/**
 * `cloudroofd`: the privileged background service. Runs in the foreground (systemd, launchd,
 * or a terminal); SIGTERM/SIGINT leave the device cleanly and keep the intent, SIGHUP reloads
 * the preferences.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { validateInterfaceName } from './engine/wireguard/iface-name';
import { parseMetricsAddress, type MetricsAddress } from './metrics/address';
import { startService, type ServiceConfig } from './system';
import type { LogLevel } from './log';

const VERSION = '0.1.0';
const USAGE = `Usage: cloudroofd [options]

The Cloudroof service: joins the WireGuard mesh and serves the control API.

Options (environment variable in brackets):
  --socket PATH        control socket [CLOUDROOF_SOCKET] (default /run/cloudroof/cloudroofd.sock)
  --state-dir DIR      identity, prefs, peer cache [CLOUDROOF_STATE_DIR] (default /var/lib/cloudroof)
  --interface NAME     WireGuard interface [CLOUDROOF_INTERFACE] (default cloudroof0; utun20 on macOS)
  --listen-port N      WireGuard UDP port [CLOUDROOF_LISTEN_PORT] (default 51820, next free one if busy)
                       ('cloudroof set --interface/--listen-port' overrides both, kept in prefs.json)
  --log-level LEVEL    debug | info | warn | error [CLOUDROOF_LOG_LEVEL]
  --nginx-mode MODE    edge mode's nginx [CLOUDROOF_NGINX_MODE]: system (default: a file in
                       /etc/nginx/conf.d, the system's nginx reloaded) or managed (an nginx
                       instance of our own under the state dir)
  --metrics HOST:PORT  serve Prometheus metrics at http://HOST:PORT/metrics [CLOUDROOF_METRICS]
                       (off by default; e.g. 127.0.0.1:9474 or [::1]:9474; they name peers and
                       sites, so keep it on loopback or behind a firewall)
  --web-root DIR       the web console's pages [CLOUDROOF_WEB_ROOT] (default: the renderer
                       directory next to this program; 'cloudroof web' turns the console on)
  (CLOUDROOF_HOSTNAME overrides the name announced to peers)
  --version, --help
`;

function fail(msg: string, code = 1): never {
  process.stderr.write(`cloudroofd: ${msg}\n`);
  process.exit(code);
}

/** Parses flags and environment into a config, exiting with a clear message on bad input. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): ServiceConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        'socket': { type: 'string' }, 'state-dir': { type: 'string' }, 'interface': { type: 'string' },
        'listen-port': { type: 'string' }, 'log-level': { type: 'string' }, 'nginx-mode': { type: 'string' }, 'metrics': { type: 'string' }, 'web-root': { type: 'string' }, 'version': { type: 'boolean' }, 'help': { type: 'boolean' },
      },
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`, 2);
  }
  if (values.help) { process.stdout.write(USAGE); process.exit(0); }
  if (values.version) { process.stdout.write(`cloudroofd ${VERSION}\n`); process.exit(0); }
  const iface = values.interface ?? env.CLOUDROOF_INTERFACE ?? (process.platform === 'darwin' ? 'utun20' : 'cloudroof0');
  const ifaceError = validateInterfaceName(iface, process.platform);
  if (ifaceError) fail(ifaceError, 2);
  const portText = values['listen-port'] ?? env.CLOUDROOF_LISTEN_PORT;
  const port = portText === undefined ? 51820 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !/^\d+$/.test(portText ?? '1')) fail(`--listen-port must be a number from 1 to 65535 (got ${portText})`, 2);
  const level = values['log-level'] ?? env.CLOUDROOF_LOG_LEVEL;
  if (level !== undefined && !['debug', 'info', 'warn', 'error'].includes(level)) fail(`--log-level must be debug, info, warn or error`, 2);
  const nginxMode = values['nginx-mode'] ?? env.CLOUDROOF_NGINX_MODE ?? 'system';
  if (nginxMode !== 'system' && nginxMode !== 'managed') fail('--nginx-mode must be system or managed', 2);
  const metricsText = values.metrics ?? env.CLOUDROOF_METRICS;
  let metrics: MetricsAddress | undefined;
  try {
    metrics = metricsText ? parseMetricsAddress(metricsText) : undefined;
  } catch (err) {
    fail((err as Error).message, 2);
  }
  return {
    nginxMode,
    ...(metrics ? { metrics } : {}),
    webRoot: resolve(values['web-root'] || env.CLOUDROOF_WEB_ROOT || defaultWebRoot()),
    socketPath: values.socket ?? env.CLOUDROOF_SOCKET ?? '/run/cloudroof/cloudroofd.sock',
    stateDir: values['state-dir'] ?? env.CLOUDROOF_STATE_DIR ?? '/var/lib/cloudroof',
    interfaceName: iface,
    listenPort: port,
    listenPortExplicit: portText !== undefined,
    logLevel: level as LogLevel | undefined,
    version: VERSION,
  };
}

/** The built renderer next to the service bundle (dist/cloudroofd.js → dist/renderer/). */
function defaultWebRoot(): string {
  return fileURLToPath(new URL('./renderer/', import.meta.url));
}

async function main(): Promise<void> {
  const cfg = parseConfig(process.argv.slice(2), process.env);
  if (process.getuid && process.getuid() !== 0) fail('must run as root: it creates network interfaces (try: sudo cloudroofd)');
  let service;
  try {
    service = await startService(cfg);
  } catch (err) {
    fail((err as Error).message);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`cloudroofd: ${signal}, leaving the device cleanly\n`);
    const hard = setTimeout(() => process.exit(1), 10_000);
    hard.unref();
    void service.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => void service.backend.reload());
}

void main();
