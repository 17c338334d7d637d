import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log';
import { EndpointDetector, type DetectedEndpoint } from './endpoint-detector';
import type { InterfaceAddress, NatDetection } from './stun';

const logger = createLogger('test', { level: 'error', write: () => undefined });
const v4 = (address: string): InterfaceAddress => ({ address, internal: false });

function detector(opts: { addrs: () => InterfaceAddress[]; detect?: () => Promise<NatDetection | null>; ipv6?: boolean }) {
  const seen: DetectedEndpoint[] = [];
  const roams: number[] = [];
  const d = new EndpointDetector({
    listenPort: 51820, stunServers: ['198.51.100.1:3478', '198.51.100.2:3478'], ipv6: opts.ipv6 ?? true, logger,
    onDetected: (e) => seen.push(e), onRoam: () => roams.push(1),
    interfaces: opts.addrs, detect: opts.detect ?? (() => Promise.resolve(null)), refreshMs: 60_000, watchMs: 10,
  });
  return { d, seen, roams };
}

const cone: NatDetection = { endpoint: '203.0.113.2:51820', natType: 'cone', observed: { first: { ip: '203.0.113.2', port: 40000 }, second: { ip: '203.0.113.2', port: 40000 } } };

describe('EndpointDetector (spec 3.6)', () => {
  it('a public IPv6 address wins, NAT type unknown, STUN not asked', async () => {
    const detect = vi.fn(() => Promise.resolve(cone));
    const { d, seen } = detector({ addrs: () => [v4('10.0.0.2'), v4('2001:db8:1::5'), v4('2a01:4f8::1')], detect });
    await d.detectNow();
    expect(seen).toEqual([{ endpoint: '[2a01:4f8::1]:51820', natType: 'unknown', source: 'ipv6' }]);
    expect(detect).not.toHaveBeenCalled();
    expect(d.hasPublicIPv6()).toBe(true);
  });

  it('with IPv6 off, STUN decides and the public IPv4 is kept for the DHT', async () => {
    const { d, seen } = detector({ addrs: () => [v4('2a01:4f8::1')], detect: () => Promise.resolve(cone), ipv6: false });
    await d.detectNow();
    expect(seen).toEqual([{ endpoint: '203.0.113.2:51820', natType: 'cone', source: 'stun', publicIPv4: '203.0.113.2' }]);
    expect(d.hasPublicIPv6()).toBe(false);
  });

  it('no STUN answer keeps the previous result and says why; the same result is not reported twice', async () => {
    let answer: NatDetection | null = cone;
    const { d, seen } = detector({ addrs: () => [v4('10.0.0.2')], detect: () => Promise.resolve(answer) });
    await d.detectNow();
    await d.detectNow();
    answer = null;
    await d.detectNow();
    expect(seen).toHaveLength(1);
    expect(d.current?.endpoint).toBe('203.0.113.2:51820');
    expect(d.lastError).toMatch(/no STUN server answered/);
  });

  it('an address change re-detects and then reports the roam', async () => {
    let addrs = [v4('10.0.0.2')];
    let answer = cone;
    const { d, seen, roams } = detector({ addrs: () => addrs, detect: () => Promise.resolve(answer) });
    d.start();
    try {
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      addrs = [v4('10.0.9.7')];
      answer = { ...cone, endpoint: '198.51.100.77:51820' };
      await vi.waitFor(() => expect(roams).toHaveLength(1));
      expect(seen.at(-1)?.endpoint).toBe('198.51.100.77:51820');
    } finally {
      d.stop();
    }
  });

  it('refuses a malformed STUN server at construction', () => {
    expect(() => new EndpointDetector({ listenPort: 1, stunServers: ['nope'], ipv6: true, logger, onDetected: () => undefined })).toThrow(/invalid STUN server/);
  });
});
