/** The discovery flags of `cloudroof join` (Go wgmesh's names), turned into DiscoverySettings. */
import { DiscoverySettings, parseServerList, ServerListError } from '../../shared/discovery';
import { flagOption, stringOption, type OptionsConfig, type OptionValues } from '../command';
import { UsageError } from '../errors';

/** parseArgs options of the discovery flags. */
export const discoveryOptions: OptionsConfig = {
  'no-lan-discovery': { type: 'boolean' }, 'no-dht': { type: 'boolean' }, 'dht-bootstrap': { type: 'string' },
  'stun': { type: 'string' }, 'no-ipv6': { type: 'boolean' }, 'no-punching': { type: 'boolean' },
  'introducer': { type: 'boolean' }, 'gossip': { type: 'boolean' }, 'force-relay': { type: 'boolean' },
};

/**
 * Settings from the flags, or undefined when none was given (the service keeps what it has).
 * Server lists are checked here so a typo is reported before the service is contacted.
 * @throws UsageError for a malformed host:port.
 */
export function discoveryFromFlags(values: OptionValues): DiscoverySettings | undefined {
  if (!Object.keys(discoveryOptions).some((k) => values[k] !== undefined)) return undefined;
  const list = (name: string, what: string): string[] | undefined => {
    const text = stringOption(values, name);
    if (text === undefined) return undefined;
    try {
      return parseServerList(text, what);
    } catch (err) {
      if (err instanceof ServerListError) throw new UsageError(`--${name}: ${err.message}`, 'join');
      throw err;
    }
  };
  const dhtBootstrap = list('dht-bootstrap', 'DHT bootstrap node');
  const stunServers = list('stun', 'STUN server');
  return DiscoverySettings.parse({
    lan: !flagOption(values, 'no-lan-discovery'), dht: !flagOption(values, 'no-dht'),
    ipv6: !flagOption(values, 'no-ipv6'), punching: !flagOption(values, 'no-punching'),
    introducer: flagOption(values, 'introducer'), gossip: flagOption(values, 'gossip'), forceRelay: flagOption(values, 'force-relay'),
    ...(dhtBootstrap ? { dhtBootstrap } : {}), ...(stunServers ? { stunServers } : {}),
  });
}
