/**
 * Discovery settings as the service accepts them: the server lists are checked again here (the
 * CLI checks first, but the control API is open to any client of the socket) and canonicalised,
 * so what is stored is exactly what runs.
 */
import { parseServerList, ServerListError, type DiscoverySettings } from '../../shared/discovery';
import { ControlError } from '../../shared/protocol';

/** Validated, canonical settings. @throws ControlError `invalid-server` naming the bad entry. */
export function checkDiscovery(d: DiscoverySettings): DiscoverySettings {
  try {
    return {
      ...d,
      ...(d.dhtBootstrap ? { dhtBootstrap: parseServerList(d.dhtBootstrap, 'DHT bootstrap node') } : {}),
      ...(d.stunServers ? { stunServers: parseServerList(d.stunServers, 'STUN server') } : {}),
    };
  } catch (err) {
    if (err instanceof ServerListError) throw new ControlError(err.code, err.message);
    throw err;
  }
}

/** Whether two settings run the same discovery. */
export function sameDiscovery(a: DiscoverySettings, b: DiscoverySettings): boolean {
  const norm = (d: DiscoverySettings): string => JSON.stringify(Object.entries(d).sort(([x], [y]) => x.localeCompare(y)));
  return norm(a) === norm(b);
}
