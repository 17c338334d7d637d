// Fuzzing what can end up in an edge's nginx configuration: the site messages origins send over
// the mesh (src/service/mesh/site-messages.ts), the shared site parsers (src/shared/sites.ts) and
// the renderer (src/service/edge/nginx-config.ts). Inputs are valid values with nginx
// metacharacters, whitespace, control and non-ASCII characters spliced in, upper-cased or
// padded, and arbitrary strings. Properties: only the documented error types are thrown; what is
// accepted is canonical, allow-listed and round-trips; anything a decoder accepts renders; and a
// rendered config contains no line an allow-listed value could not have produced.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatTarget, parseHealthInterval, parseHealthPath, parseHostname, parseHostnames, parseSiteName, parseSize, parseTarget, SiteInputError,
} from '../../src/shared/sites';
import {
  decodeEdgeInfo, decodeEdgeReport, decodeSites, encodeEdgeInfo, encodeEdgeReport, encodeSites, SiteMessageError, type SitesMessage,
} from '../../src/service/mesh/site-messages';
import { renderEdgeConfig, type EdgeRenderOptions, type EdgeVhost } from '../../src/service/edge/nginx-config';
import { NginxValueError } from '../../src/service/edge/nginx-values';
import {
  anyString, applyEdits, healthPath, hostname, jsonValue, memberEdits, membersOf, siteName, tainted, wgKey,
} from './support/arbitraries';
import { Tally, params, writeResults } from './support/fuzz';
import { goNormal } from './support/json-oracle';

const NOW = 1_800_000_000;
const tallies = {
  sites: new Tally('decodeSites'), report: new Tally('decodeEdgeReport'), info: new Tally('decodeEdgeInfo'), parsers: new Tally('shared/sites parsers'),
  render: new Tally('renderEdgeConfig'), chain: new Tally('decodeSites→renderEdgeConfig'),
};
const siteError = (e: unknown): string | undefined => (e instanceof SiteMessageError ? 'SiteMessageError' : undefined);
const inputError = (e: unknown): string | undefined => (e instanceof SiteInputError ? 'SiteInputError' : undefined);
const nginxError = (e: unknown): string | undefined => (e instanceof NginxValueError ? 'NginxValueError' : undefined);

// The allow-lists, written out independently of src/shared/sites.ts.
const SITE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]*[a-z-][a-z0-9-]*$/;
const HEALTH_PATH = /^\/[A-Za-z0-9\-._~/%?=&+:@!,]{0,255}$/;
/** Nothing that ends a directive, opens/closes a block, starts a comment or variable, quotes, escapes or separates. */
const NGINX_META = /[;{}#$"'`\\\s]|[^\x20-\x7e]/;

const port = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 65535 }) }, fc.integer(), fc.double(), fc.constant('80'));
const wireSite = fc.record({
  name: tainted(siteName), hostnames: fc.array(tainted(hostname), { maxLength: 4 }), port,
  scheme: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('http', 'https') }, anyString(6)), health_path: tainted(healthPath),
}, { requiredKeys: ['name', 'hostnames', 'port', 'scheme', 'health_path'] });
const sitesPayload = fc.oneof(
  { weight: 4, arbitrary: fc.record({
    protocol: fc.constant('wgmesh-v1'), timestamp: fc.constant(NOW), wg_pubkey: fc.oneof({ weight: 4, arbitrary: wgKey }, anyString(44)),
    seq: fc.oneof({ weight: 4, arbitrary: fc.nat() }, fc.integer(), fc.double()), sites: fc.array(wireSite, { maxLength: 4 }),
  }) },
  { weight: 2, arbitrary: fc.tuple(fc.record({ wg_pubkey: wgKey, seq: fc.nat(), sites: fc.array(wireSite, { maxLength: 3 }) }), memberEdits(['wg_pubkey', 'seq', 'sites', 'name']))
    .map(([o, e]) => JSON.parse(applyEdits(membersOf(o), e)) as unknown) },
  { weight: 1, arbitrary: jsonValue },
);

/** Every string in a decoded site list is allow-listed (none may inject nginx syntax). */
function assertAllowListed(m: SitesMessage): void {
  expect(m.wgPubkey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  expect(Number.isSafeInteger(m.seq) && m.seq >= 0).toBe(true);
  for (const s of m.sites) {
    expect(s.name).toMatch(SITE_NAME);
    expect(s.hostnames.length).toBeGreaterThan(0);
    for (const h of s.hostnames) {
      expect(h).toMatch(HOSTNAME);
      expect(isIP(h)).toBe(0);
      expect(NGINX_META.test(h)).toBe(false);
    }
    expect(s.healthPath).toMatch(HEALTH_PATH);
    expect(NGINX_META.test(s.healthPath)).toBe(false);
    expect(Number.isInteger(s.port) && s.port >= 1 && s.port <= 65535).toBe(true);
    expect(['http', 'https']).toContain(s.scheme);
  }
}

const OPTS: EdgeRenderOptions = {
  httpPort: 80, httpsPort: 443, maxBody: '1g', cacheDir: '/var/lib/cloudroof/nginx/cache', cacheSize: '10g', ipv6: true,
  errorPageRoot: '/var/lib/cloudroof/nginx/www', acmeRoot: '/var/lib/cloudroof/nginx/acme', defaultServer: true, nginxVersion: '1.22.1',
};

/** The vhosts an edge would build from one origin's site list (origin at a mesh address). */
function vhostsOf(m: SitesMessage, tls: boolean): EdgeVhost[] {
  const seen = new Set<string>();
  return m.sites.flatMap((s) => s.hostnames.filter((h) => !seen.has(h) && seen.add(h)).map((h) => ({
    hostname: h, site: s.name, scheme: s.scheme, origins: [{ host: '10.42.0.7', port: s.port }, { host: 'fd42::7', port: s.port }],
    tls: tls ? { certFile: `/etc/cloudroof/certs/${h}/fullchain.pem`, keyFile: `/etc/cloudroof/certs/${h}/privkey.pem` } : null,
  })));
}

/**
 * The shape of a config line: every value an allow-list admits replaced by a placeholder. A
 * line whose shape is not among those of reference renders (valid values only) was produced by
 * something other than an allow-listed value.
 */
function shape(line: string): string {
  return line
    .replace(/\/[A-Za-z0-9._/-]+/g, 'PATH')
    .replace(/\[[0-9a-f:.]+\]/g, '[IP6]')
    .replace(/(?:[a-z0-9-]+\.)+[a-z0-9-]*[a-z-][a-z0-9-]*/g, 'HOST')
    .replace(/\b[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\b/g, 'IP4')
    .replace(/site [a-z0-9-]+,/g, 'site SITE,')
    .replace(/[0-9]+/g, 'N');
}

const pathArb = fc.stringMatching(/^\/[a-z0-9]{1,8}(?:\/[A-Za-z0-9_-]{1,8}(?:\.[a-z]{1,4})?){0,3}$/);
const sizeArb = fc.stringMatching(/^[0-9]{1,6}[kmg]?$/);
const validVhost: fc.Arbitrary<EdgeVhost> = fc.record({
  hostname, site: siteName, scheme: fc.constantFrom('http' as const, 'https' as const),
  origins: fc.array(fc.record({ host: fc.oneof(fc.ipV4(), fc.ipV6()), port: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 3 }),
  tls: fc.option(fc.record({ certFile: pathArb, keyFile: pathArb }), { nil: null }),
});
const validOpts: fc.Arbitrary<EdgeRenderOptions> = fc.record({
  httpPort: fc.oneof(fc.constant(80), fc.integer({ min: 1, max: 65535 })), httpsPort: fc.oneof(fc.constant(443), fc.integer({ min: 1, max: 65535 })),
  maxBody: sizeArb, cacheDir: pathArb,
  cacheSize: sizeArb, ipv6: fc.boolean(), errorPageRoot: pathArb, acmeRoot: pathArb, defaultServer: fc.boolean(),
  nginxVersion: fc.constantFrom('1.18.0', '1.22.1', '1.25.1', '1.27.4'),
});
const hostileVhost: fc.Arbitrary<EdgeVhost> = fc.record({
  hostname: tainted(hostname), site: tainted(siteName),
  scheme: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('http' as const, 'https' as const) }, anyString(6).map((s) => s as 'http')),
  origins: fc.array(fc.record({ host: tainted(fc.oneof(fc.ipV4(), fc.ipV6())), port: port.map((p) => p as number) }), { maxLength: 3 }),
  tls: fc.option(fc.record({ certFile: tainted(pathArb), keyFile: tainted(pathArb) }), { nil: null }),
});
const hostileOpts: fc.Arbitrary<EdgeRenderOptions> = fc.record({
  httpPort: port.map((p) => p as number), httpsPort: port.map((p) => p as number), maxBody: tainted(sizeArb), cacheDir: tainted(pathArb),
  cacheSize: tainted(sizeArb), ipv6: fc.boolean(), errorPageRoot: tainted(pathArb), acmeRoot: tainted(pathArb), defaultServer: fc.boolean(),
  nginxVersion: tainted(fc.constantFrom('1.18.0', '1.22.1', '1.25.1')),
});

/** Shapes of every line of reference renders (valid values only, all branches). */
function referenceShapes(): Set<string> {
  const out = new Set<string>();
  const samples = fc.sample(fc.tuple(fc.uniqueArray(validVhost, { selector: (v) => v.hostname, maxLength: 4 }), validOpts), { numRuns: 400, seed: 42 });
  for (const [vhosts, o] of samples) {
    if (o.httpPort === o.httpsPort) continue;
    for (const line of renderEdgeConfig(vhosts, o).split('\n')) out.add(shape(line));
  }
  return out;
}

/** A rendered config passes: every line has a reference shape, braces balance, names and origins are the inputs'. */
function assertRenderedSafely(text: string, vhosts: readonly EdgeVhost[], shapes: ReadonlySet<string>): void {
  const lines = text.split('\n');
  let depth = 0;
  for (const line of lines.slice(1)) { // the first line is the generated-file header (fixed text)
    expect(/^[\x20-\x7e]*$/.test(line), `non-printable line ${JSON.stringify(line)}`).toBe(true);
    expect(shapes.has(shape(line)), `unexpected line ${JSON.stringify(line)}`).toBe(true);
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    expect(depth).toBeGreaterThanOrEqual(0);
  }
  expect(depth).toBe(0);
  const names = new Set(vhosts.map((v) => v.hostname));
  for (const m of text.matchAll(/^ {4}server_name ([^;]+);$/gm)) if (m[1] !== '_') expect(names.has(m[1]!)).toBe(true);
  expect((text.match(/^server \{$/gm) ?? []).length).toBeGreaterThanOrEqual(vhosts.length);
}

describe('site messages, site parsers and the edge renderer under fuzzing', () => {
  const shapes = referenceShapes();
  afterAll(() => writeResults('fuzz-sites', Object.values(tallies), { referenceLineShapes: shapes.size }));

  it('decodeSites: accepted lists are canonical, allow-listed, round-trip and render', () => {
    fc.assert(fc.property(sitesPayload, fc.boolean(), (payload, tls) => {
      const r = tallies.sites.run(() => decodeSites(payload), siteError);
      if (!r.ok) return;
      assertAllowListed(r.value);
      expect(decodeSites(JSON.parse(encodeSites(r.value, NOW)))).toEqual(goNormal(r.value)); // -0 from the wire reads as 0
      // Decoded ⇒ renderable: an origin must not be able to make an edge's whole config fail.
      const vhosts = vhostsOf(r.value, tls);
      const text = tallies.chain.run(() => renderEdgeConfig(vhosts, OPTS), () => undefined);
      if (text.ok) assertRenderedSafely(text.value, vhosts, shapes);
    }), params());
  });

  it('decodeEdgeReport: accepted reports have canonical names, known states and printable reasons', () => {
    const entry = fc.record({
      name: tainted(siteName), state: fc.oneof(fc.constantFrom('serving', 'unreachable', 'conflict', 'config-error', 'no-certificate'), anyString(8)),
      tls: fc.oneof(fc.boolean(), jsonValue), reason: fc.option(anyString(400), { nil: undefined }),
    }, { requiredKeys: ['name', 'state', 'tls'] });
    const payload = fc.oneof(
      fc.record({ wg_pubkey: fc.oneof(wgKey, anyString(44)), seq: fc.oneof(fc.nat(), fc.double()), sites: fc.array(entry, { maxLength: 4 }) }),
      jsonValue,
    );
    fc.assert(fc.property(payload, (p) => {
      const r = tallies.report.run(() => decodeEdgeReport(p), siteError);
      if (!r.ok) return;
      for (const s of r.value.sites) {
        expect(s.name).toMatch(SITE_NAME);
        expect(['serving', 'unreachable', 'conflict', 'config-error', 'no-certificate']).toContain(s.state);
        if (s.reason !== undefined) expect(s.reason).toMatch(/^[\x20-\x7e]{0,300}$/);
      }
      expect(decodeEdgeReport(JSON.parse(encodeEdgeReport(r.value, NOW)))).toEqual(goNormal(r.value));
    }), params());
  });

  it('decodeEdgeInfo: accepted reports carry only allow-listed hostnames and paths, printable text, and round-trip', () => {
    const dirArb = fc.oneof(pathArb, fc.constantFrom('/', '/etc/letsencrypt/live', '/a/../b', 'relative', ''));
    const wire = fc.record({
      wg_pubkey: fc.oneof({ weight: 4, arbitrary: wgKey }, anyString(44)), seq: fc.oneof({ weight: 4, arbitrary: fc.nat() }, fc.integer(), fc.double()),
      nginx: fc.oneof({ weight: 4, arbitrary: fc.record({ available: fc.boolean(), running: fc.boolean(), error: fc.option(anyString(320), { nil: undefined }) }, { requiredKeys: ['available', 'running'] }) }, jsonValue),
      config: fc.record({
        state: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('off', 'pending', 'applied', 'failed') }, anyString(8)),
        last_error: fc.option(anyString(320), { nil: undefined }),
      }, { requiredKeys: ['state'] }),
      http_port: port, https_port: port, cert_dir: tainted(dirArb), acme_webroot: fc.option(tainted(dirArb), { nil: undefined }),
      certificates: fc.oneof({ weight: 4, arbitrary: fc.array(tainted(hostname), { maxLength: 6 }) }, fc.array(hostname, { minLength: 195, maxLength: 205 })),
    }, { requiredKeys: ['wg_pubkey', 'seq', 'nginx', 'config', 'http_port', 'https_port', 'cert_dir', 'certificates'] });
    const valid = fc.record({
      wg_pubkey: wgKey, seq: fc.nat(),
      nginx: fc.record({ available: fc.boolean(), running: fc.boolean(), error: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }) }, { requiredKeys: ['available', 'running'] }),
      config: fc.record({ state: fc.constantFrom('off', 'pending', 'applied', 'failed'), last_error: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }) }, { requiredKeys: ['state'] }),
      http_port: fc.integer({ min: 1, max: 65535 }), https_port: fc.integer({ min: 1, max: 65535 }), cert_dir: pathArb,
      acme_webroot: fc.option(pathArb, { nil: undefined }), certificates: fc.uniqueArray(hostname, { maxLength: 8 }),
    }, { requiredKeys: ['wg_pubkey', 'seq', 'nginx', 'config', 'http_port', 'https_port', 'cert_dir', 'certificates'] });
    const payload = fc.oneof(
      { weight: 3, arbitrary: valid },
      { weight: 3, arbitrary: wire },
      { weight: 2, arbitrary: fc.tuple(valid, memberEdits(['wg_pubkey', 'seq', 'nginx', 'config', 'cert_dir', 'certificates'])).map(([o, e]) => JSON.parse(applyEdits(membersOf(o), e)) as unknown) },
      { weight: 1, arbitrary: jsonValue },
    );
    const DIR = /^\/[A-Za-z0-9._/-]{0,299}$/;
    fc.assert(fc.property(payload, (p) => {
      const r = tallies.info.run(() => decodeEdgeInfo(p), siteError);
      if (!r.ok) return;
      const i = r.value;
      expect(i.wgPubkey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(Number.isSafeInteger(i.seq) && i.seq >= 0).toBe(true);
      expect(i.certificates.length).toBeLessThanOrEqual(200);
      expect(new Set(i.certificates).size).toBe(i.certificates.length);
      for (const h of i.certificates) { expect(h).toMatch(HOSTNAME); expect(isIP(h)).toBe(0); expect(NGINX_META.test(h)).toBe(false); }
      for (const d of [i.certDir, i.acmeWebroot ?? '/']) { expect(d).toMatch(DIR); expect(d).not.toContain('..'); }
      for (const t of [i.nginx.error, i.config.lastError]) if (t !== undefined) expect(t).toMatch(/^[\x20-\x7e]{0,300}$/);
      for (const n of [i.httpPort, i.httpsPort]) expect(Number.isInteger(n) && n >= 1 && n <= 65535).toBe(true);
      expect(['off', 'pending', 'applied', 'failed']).toContain(i.config.state);
      expect(decodeEdgeInfo(JSON.parse(encodeEdgeInfo(i, NOW)))).toEqual(goNormal(i));
    }), params());
  });

  it('shared/sites parsers: SiteInputError or a canonical, idempotent, allow-listed value', () => {
    const run = <T>(fn: () => T) => tallies.parsers.run(fn, inputError);
    fc.assert(fc.property(
      tainted(siteName), tainted(hostname), tainted(fc.oneof(fc.ipV4(), fc.ipV6().map((h) => `[${h}]`), hostname, fc.constant('localhost'))),
      fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 70000 }).map((p) => `:${p}`)), fc.constantFrom('', 'http://', 'https://', 'ftp://', 'HTTP://'),
      tainted(healthPath), tainted(sizeArb), fc.array(tainted(hostname), { maxLength: 25 }), fc.oneof(fc.integer(), fc.double()),
      (name, host, targetHost, targetPort, scheme, path, size, hosts, interval) => {
        const n = run(() => parseSiteName(name));
        if (n.ok) { expect(n.value).toMatch(SITE_NAME); expect(parseSiteName(n.value)).toBe(n.value); }
        const h = run(() => parseHostname(host));
        if (h.ok) { expect(h.value).toMatch(HOSTNAME); expect(isIP(h.value)).toBe(0); expect(parseHostname(h.value)).toBe(h.value); }
        const t = run(() => parseTarget(`${scheme}${targetHost}${targetPort}`));
        if (t.ok) {
          expect(isIP(t.value.host) !== 0 || /^[a-z0-9.-]+$/.test(t.value.host)).toBe(true);
          expect(parseTarget(formatTarget(t.value))).toEqual(t.value);
        }
        const p = run(() => parseHealthPath(path));
        if (p.ok) { expect(p.value).toMatch(HEALTH_PATH); expect(NGINX_META.test(p.value)).toBe(false); expect(parseHealthPath(p.value)).toBe(p.value); }
        const s = run(() => parseSize(size, 'size'));
        if (s.ok) expect(s.value).toMatch(/^[0-9]{1,6}[kmg]?$/);
        const hs = run(() => parseHostnames(hosts));
        if (hs.ok) { expect(hs.value.length).toBeGreaterThan(0); expect(hs.value.length).toBeLessThanOrEqual(20); expect(new Set(hs.value).size).toBe(hs.value.length); }
        const iv = run(() => parseHealthInterval(interval));
        if (iv.ok) expect(Number.isInteger(iv.value) && iv.value >= 2 && iv.value <= 300).toBe(true);
      }), params());
  });

  it('renderEdgeConfig: throws NginxValueError, or every line comes from allow-listed values', () => {
    fc.assert(fc.property(fc.array(fc.oneof(validVhost, hostileVhost), { maxLength: 4 }), fc.oneof(validOpts, hostileOpts), (vhosts, o) => {
      const r = tallies.render.run(() => renderEdgeConfig(vhosts, o), nginxError);
      if (!r.ok) return;
      for (const v of vhosts) {
        expect(v.hostname).toMatch(HOSTNAME);
        expect(v.site).toMatch(/^[a-z0-9-]{1,40}$/);
        for (const x of v.origins) expect(isIP(x.host)).not.toBe(0);
        if (v.tls) for (const f of [v.tls.certFile, v.tls.keyFile]) expect(NGINX_META.test(f)).toBe(false);
      }
      for (const f of [o.cacheDir, o.acmeRoot, o.errorPageRoot, o.maxBody, o.cacheSize]) expect(NGINX_META.test(f.trim())).toBe(false);
      assertRenderedSafely(r.value, vhosts, shapes);
    }), params());
  });
});
