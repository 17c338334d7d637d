import { describe, expect, it } from 'vitest';
import {
  formatTarget, parseHealthInterval, parseHealthPath, parseHostname, parseHostnames, parseSiteName, parseSize, parseTarget, SiteInputError,
} from './sites';

describe('site input', () => {
  it('canonicalises names and hostnames', () => {
    expect(parseSiteName(' Blog ')).toBe('blog');
    expect(parseHostname('WWW.Example.COM.')).toBe('www.example.com');
    expect(parseHostname('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    expect(parseHostnames(['a.example.com', 'A.example.com', 'b.example.com'])).toEqual(['a.example.com', 'b.example.com']);
  });

  it.each([
    ['bad;host.com'], ['a.com; include /etc/passwd'], ['a.com{'], ['$host.com'], ['a .com'], ['localhost'], ['1.2.3.4'], ['::1'],
    ['*.example.com'], ['-a.example.com'], ['a-.example.com'], ['example.123'], [''], ['a'.repeat(64) + '.com'], ['"a".com'], ['a.com#x'],
  ])('refuses hostname %j', (h) => {
    expect(() => parseHostname(h)).toThrow(SiteInputError);
  });

  it.each([['-blog'], ['blog-'], ['b_log'], ['b log'], ['a'.repeat(41)], [''], ['blog;']])('refuses site name %j', (n) => {
    expect(() => parseSiteName(n)).toThrow(/site name/);
  });

  it('parses targets', () => {
    expect(parseTarget('http://127.0.0.1:8080')).toEqual({ scheme: 'http', host: '127.0.0.1', port: 8080 });
    expect(parseTarget('127.0.0.1:8080/')).toEqual({ scheme: 'http', host: '127.0.0.1', port: 8080 });
    expect(parseTarget('https://[::1]:8443')).toEqual({ scheme: 'https', host: '::1', port: 8443 });
    expect(parseTarget('https://LocalHost')).toEqual({ scheme: 'https', host: 'localhost', port: 443 });
    expect(formatTarget(parseTarget('[::1]:80'))).toBe('http://[::1]:80');
  });

  it.each([
    ['ftp://1.2.3.4:21'], ['127.0.0.1'], ['http://127.0.0.1:0'], ['http://127.0.0.1:70000'], ['http://127.0.0.1:80/path'],
    ['http://a;b:80'], ['http://[1.2.3.4]:80'], ['http://x y:80'], ['http://127.0.0.1:80?x'],
  ])('refuses target %j', (t) => {
    expect(() => parseTarget(t)).toThrow(/target .* is invalid/);
  });

  it('checks health paths, intervals and sizes', () => {
    expect(parseHealthPath('/healthz?full=1')).toBe('/healthz?full=1');
    for (const p of ['healthz', '/a b', '/a;b', '/${x}', '/a"b', '/a{']) expect(() => parseHealthPath(p)).toThrow(/health path/);
    expect(parseHealthInterval(10)).toBe(10);
    for (const n of [1, 301, 2.5]) expect(() => parseHealthInterval(n)).toThrow(/interval/);
    expect(parseSize('1G', 'cache size')).toBe('1g');
    for (const s of ['1gb', '-1', '1 g', '1;']) expect(() => parseSize(s, 'cache size')).toThrow(/cache size/);
  });

  it('never echoes long or unprintable input', () => {
    const long = 'x'.repeat(500);
    expect(() => parseHostname(long)).toThrow('(500 characters)');
    expect(() => parseSiteName('a\nb')).toThrow('(3 characters)');
  });
});
