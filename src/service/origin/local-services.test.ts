// The wizard's list of local services: what is left out, one entry per port and family, the
// suggested URL and the site that already exposes a socket.
import { describe, expect, it } from 'vitest';
import type { ListeningSocket } from '../engine/net/listening-sockets';
import { exposedAs, suggestedUrl, toLocalServices, type LocalServicesContext } from './local-services';

const ctx: LocalServicesContext = { ownPid: 1000, meshAddresses: ['10.42.7.1', 'fd00:42::1'], sites: [], localAddresses: ['192.168.1.23'] };
const s = (address: string, port: number, family: 4 | 6, extra: Partial<ListeningSocket> = {}): ListeningSocket => ({ address, port, family, ...extra });

describe('suggestedUrl', () => {
  it('reaches wildcard and loopback binds on loopback, a specific address at itself, TLS ports with https', () => {
    expect(suggestedUrl(s('0.0.0.0', 8080, 4))).toBe('http://127.0.0.1:8080');
    expect(suggestedUrl(s('127.0.0.1', 3000, 4))).toBe('http://127.0.0.1:3000');
    expect(suggestedUrl(s('127.0.0.53', 53, 4))).toBe('http://127.0.0.53:53');
    expect(suggestedUrl(s('::', 80, 6))).toBe('http://[::1]:80');
    expect(suggestedUrl(s('::1', 631, 6))).toBe('http://[::1]:631');
    expect(suggestedUrl(s('192.168.1.23', 9000, 4))).toBe('http://192.168.1.23:9000');
    expect(suggestedUrl(s('fd00:1::5', 9000, 6))).toBe('http://[fd00:1::5]:9000');
    expect(suggestedUrl(s('0.0.0.0', 443, 4))).toBe('https://127.0.0.1:443');
    expect(suggestedUrl(s('::', 8443, 6))).toBe('https://[::1]:8443');
  });
});

describe('exposedAs', () => {
  const sites = [
    { name: 'nas', target: 'http://192.168.1.50:8080' },
    { name: 'blog', target: 'http://127.0.0.1:8080' },
    { name: 'api', target: 'https://localhost:8443' },
    { name: 'lan', target: 'http://192.168.1.23:9000' },
    { name: 'v6', target: 'http://[::1]:7000' },
  ];
  it('matches same port and a host the bind accepts', () => {
    expect(exposedAs(s('0.0.0.0', 8080, 4), sites, ['192.168.1.23'])).toBe('blog');
    expect(exposedAs(s('127.0.0.1', 8080, 4), sites)).toBe('blog');
    expect(exposedAs(s('::', 8080, 6), sites)).toBe('blog');
    expect(exposedAs(s('127.0.0.1', 8443, 4), sites)).toBe('api');
    expect(exposedAs(s('0.0.0.0', 9000, 4), sites, ['192.168.1.23'])).toBe('lan');
    expect(exposedAs(s('192.168.1.23', 9000, 4), sites)).toBe('lan');
    expect(exposedAs(s('::', 7000, 6), sites)).toBe('v6');
  });

  it('does not match another port, another machine, or a family the bind does not serve', () => {
    expect(exposedAs(s('0.0.0.0', 8081, 4), sites, ['192.168.1.23'])).toBeUndefined();
    expect(exposedAs(s('192.168.1.23', 8080, 4), sites)).toBeUndefined();
    expect(exposedAs(s('0.0.0.0', 7000, 4), sites)).toBeUndefined();
    expect(exposedAs(s('0.0.0.0', 9000, 4), sites, [])).toBeUndefined();
    expect(exposedAs(s('0.0.0.0', 1, 4), [{ name: 'bad', target: 'not a target' }])).toBeUndefined();
  });
});

describe('toLocalServices', () => {
  it('leaves out the service itself and mesh-only binds, keeps one entry per port and family (widest bind), sorted', () => {
    const list = toLocalServices([
      s('127.0.0.1', 7475, 4, { pid: 1000, process: 'node' }),
      s('10.42.7.1', 18080, 4, { pid: 1000 }),
      s('fd00:42::1', 8081, 6, { pid: 55, process: 'other' }),
      s('192.168.1.23', 5432, 4, { pid: 9, process: 'postgres' }),
      s('127.0.0.1', 5432, 4, { pid: 9, process: 'postgres' }),
      s('::', 80, 6, { pid: 812, process: 'nginx' }),
      s('0.0.0.0', 80, 4, { pid: 812, process: 'nginx' }),
      s('127.0.0.1', 80, 4, { pid: 3, process: 'x' }),
      s('192.168.1.23', 9000, 4),
      s('10.0.0.9', 9000, 4),
    ], { ...ctx, sites: [{ name: 'www', target: 'http://127.0.0.1:80' }] });
    expect(list).toEqual([
      { address: '0.0.0.0', port: 80, family: 4, process: 'nginx', pid: 812, url: 'http://127.0.0.1:80', exposedAs: 'www' },
      { address: '::', port: 80, family: 6, process: 'nginx', pid: 812, url: 'http://[::1]:80', exposedAs: 'www' },
      { address: '127.0.0.1', port: 5432, family: 4, process: 'postgres', pid: 9, url: 'http://127.0.0.1:5432' },
      { address: '10.0.0.9', port: 9000, family: 4, url: 'http://10.0.0.9:9000' },
    ]);
  });

  it('is empty without sockets', () => {
    expect(toLocalServices([], ctx)).toEqual([]);
  });
});
