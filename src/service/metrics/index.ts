/**
 * Metrics of cloudroofd (`--metrics host:port`): the entry point the composition root uses.
 * See service-metrics.ts for what is measured and server.ts for how it is served.
 */
import { systemClock } from '../clock';
import { CacheLogTailer } from '../edge/cache-log';
import type { Logger } from '../log';
import type { MetricsAddress } from './address';
import { startMetricsServer, type MetricsServer } from './server';
import { ServiceMetrics, type MetricsSource } from './service-metrics';

export { formatMetricsAddress, isLoopbackHost, parseMetricsAddress, type MetricsAddress } from './address';
export { startMetricsServer, type MetricsRenderer, type MetricsServer } from './server';
export { ServiceMetrics, type MetricsSource, type ServiceMetricsOptions } from './service-metrics';

/** Options of {@link startServiceMetrics}. */
export interface StartServiceMetricsOptions {
  address: MetricsAddress;
  version: string;
  /** The edge's cache log file (EdgeNginxPaths.cacheLog of the configured nginx mode). */
  cacheLogFile: string;
  logger: Logger;
}

/** Metrics while the service runs. */
export interface RunningMetrics {
  /** For ServiceBackendOptions.metrics. */
  readonly hooks: ServiceMetrics['hooks'];
  readonly server: MetricsServer;
  /** Gives the collectors the backend to read (until then only constants are served). */
  attach(source: MetricsSource): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Builds the registry and starts serving it, before the backend exists so that a bad or busy
 * address stops the service before it touches the network. Rejects with the server's message.
 */
export async function startServiceMetrics(o: StartServiceMetricsOptions): Promise<RunningMetrics> {
  const cacheLog = new CacheLogTailer(o.cacheLogFile);
  await cacheLog.poll(); // from here on: what an earlier run left in the file is not counted again
  const metrics = new ServiceMetrics({ version: o.version, clock: systemClock, cacheLog });
  const server = await startMetricsServer(o.address, metrics, o.logger.child('metrics'));
  return { hooks: metrics.hooks, server, attach: (s) => metrics.attach(s), close: () => server.close() };
}
