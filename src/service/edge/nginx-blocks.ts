/**
 * The blocks of the edge nginx configuration (servers, locations, upstreams), rendered from
 * values nginx-config.ts has already validated. Pure text; see nginx-config.ts for the contract.
 */
import type { EdgeRenderOptions } from './nginx-config';

/** URI of the internal location that serves the unavailable page. */
export const UNAVAILABLE_URI = '/__cloudroof/unavailable.html';
/** The map variable for the Connection header (prefixed: a user's config may define `$connection_upgrade`). */
export const CONNECTION_VAR = '$cloudroof_connection_upgrade';

/** The http-level log format of the cache log: the cache result alone (`HIT`, `MISS`, … or `-`). */
export const CACHE_LOG_FORMAT = "log_format cloudroof_cache '$upstream_cache_status';";

/** Edge-wide options after validation (paths checked, versions turned into features). */
export interface Checked extends Omit<EdgeRenderOptions, 'errorPageRoot' | 'nginxVersion'> {
  vhosts: CheckedVhost[];
  /** Full path of the unavailable page file. */
  errorPage: string;
  /** nginx ≥ 1.25.1: `http2 on;` instead of `listen … http2`. */
  http2Directive: boolean;
  /** nginx ≥ 1.19.4: `ssl_reject_handshake` exists. */
  rejectHandshake: boolean;
}

/** A vhost after validation, with its upstream name. */
export interface CheckedVhost {
  hostname: string;
  site: string;
  scheme: 'http' | 'https';
  /** Rendered `ip:port` / `[ipv6]:port`, sorted, unique. */
  origins: string[];
  tls: { certFile: string; keyFile: string } | null;
  upstream: string;
}

/** `listen` lines for `port` (and `[::]:port` with IPv6), each with `extra` options. */
function listen(c: Checked, port: number, extra: string): string[] {
  const out = [`    listen ${port}${extra};`];
  if (c.ipv6) out.push(`    listen [::]:${port}${extra};`);
  return out;
}

function tlsListen(c: Checked, extra = ''): string[] {
  return [...listen(c, c.httpsPort, ` ssl${c.http2Directive ? '' : ' http2'}${extra}`), ...(c.http2Directive ? ['    http2 on;'] : [])];
}

function acmeLocation(c: Checked): string[] {
  return [
    '    location ^~ /.well-known/acme-challenge/ {',
    `        root ${c.acmeRoot};`,
    '        default_type text/plain;',
    '    }',
  ];
}

/** The proxying part of a server: headers, timeouts, cache, SSE and the error page. */
function proxyBody(c: Checked, v: CheckedVhost, n: number): string[] {
  if (v.origins.length === 0) {
    // No origin announced right now: answer with the unavailable page rather than nothing.
    return [`    error_page 502 503 504 ${UNAVAILABLE_URI};`, ...errorPageLocation(c), '    location / {', '        return 503;', '    }'];
  }
  const pass = `        proxy_pass ${v.scheme}://${v.upstream};`;
  return [
    `    client_max_body_size ${c.maxBody};`,
    '    proxy_request_buffering off;',
    '    proxy_http_version 1.1;',
    '    proxy_set_header Host $host;',
    '    proxy_set_header Upgrade $http_upgrade;',
    `    proxy_set_header Connection ${CONNECTION_VAR};`,
    '    proxy_set_header X-Real-IP $remote_addr;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_connect_timeout 3s;',
    '    proxy_send_timeout 60s;',
    '    proxy_read_timeout 60s;',
    '    proxy_next_upstream error timeout http_502 http_503;',
    '    proxy_next_upstream_tries 2;',
    ...(v.scheme === 'https' ? [
      '    # The mesh (WireGuard) already authenticates and encrypts this hop; the origin\'s',
      '    # certificate is typically self-signed, so it is not verified.',
      '    proxy_ssl_server_name on;',
      `    proxy_ssl_name ${v.hostname};`,
      '    proxy_ssl_verify off;',
    ] : []),
    '    add_header X-Cache-Status $upstream_cache_status always;',
    // Only this server's requests: the user's own access log (system nginx) no longer gets them.
    ...(c.cacheLog === undefined ? [] : [`    access_log ${c.cacheLog} cloudroof_cache;`]),
    `    error_page 502 503 504 ${UNAVAILABLE_URI};`,
    ...errorPageLocation(c),
    '    location / {',
    // An error_page here replaces the server's list, so the unavailable page is repeated.
    `        error_page 418 = @sse_${n};`,
    `        error_page 502 503 504 ${UNAVAILABLE_URI};`,
    '        if ($http_accept ~* "text/event-stream") {',
    '            return 418;',
    '        }',
    // No proxy_cache_valid: only what Cache-Control/Expires allow is cached; nginx already
    // refuses Set-Cookie, private and no-store responses. No proxy_cache_lock: nginx has no
    // "hit-for-pass", so with the lock every concurrent request for an uncacheable URL would
    // queue behind the first (polled every 500 ms) — measured as 1 s p99 stalls in bench/edge.ts.
    '        proxy_cache cloudroof;',
    '        proxy_cache_key $scheme$host$request_uri;',
    '        proxy_no_cache $http_authorization;',
    '        proxy_cache_bypass $http_authorization;',
    '        proxy_cache_revalidate on;',
    '        proxy_cache_use_stale error timeout updating http_502 http_503 http_504;',
    pass,
    '    }',
    `    location @sse_${n} {`,
    pass,
    '        proxy_buffering off;',
    '        proxy_cache off;',
    '        proxy_read_timeout 1h;',
    '        gzip off;',
    '    }',
  ];
}

function errorPageLocation(c: Checked): string[] {
  return [`    location = ${UNAVAILABLE_URI} {`, '        internal;', `        alias ${c.errorPage};`, '    }'];
}

/** The server(s) of one hostname: TLS + ACME/redirect, or plain HTTP with ACME. `n` names its SSE location. */
export function vhostServers(c: Checked, v: CheckedVhost, n: number): string[] {
  const head = [`# ${v.hostname} (site ${v.site}, origin over ${v.scheme})`, 'server {'];
  const name = `    server_name ${v.hostname};`;
  if (v.tls === null) {
    return [...head, ...listen(c, c.httpPort, ''), name, ...acmeLocation(c), ...proxyBody(c, v, n), '}'];
  }
  const port = c.httpsPort === 443 ? '' : `:${c.httpsPort}`;
  return [
    ...head, ...tlsListen(c), name,
    `    ssl_certificate ${v.tls.certFile};`,
    `    ssl_certificate_key ${v.tls.keyFile};`,
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    '    ssl_session_cache shared:cloudroof_ssl:10m;',
    ...proxyBody(c, v, n), '}',
    'server {', ...listen(c, c.httpPort, ''), name, ...acmeLocation(c),
    '    location / {', `        return 308 https://$host${port}$request_uri;`, '    }', '}',
  ];
}

/** Default servers for names this edge does not serve (managed nginx only). */
export function defaultServers(c: Checked): string[] {
  const out = [
    '# Unknown hostnames: 404 over HTTP, TLS handshake refused (no certificate is revealed).',
    'server {', ...listen(c, c.httpPort, ' default_server'), '    server_name _;', '    default_type text/plain;',
    '    return 404 "No site is served under this hostname by this Cloudroof edge.\\n";', '}',
  ];
  if (!c.rejectHandshake) return [...out, '# nginx < 1.19.4 has no ssl_reject_handshake: no TLS default server.'];
  return [...out, 'server {', ...tlsListen(c, ' default_server'), '    server_name _;', '    ssl_reject_handshake on;', '}'];
}

/** One `upstream` block per origin group (vhosts without origins get none). */
export function upstreams(c: Checked): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const v of c.vhosts) {
    if (seen.has(v.upstream) || v.origins.length === 0) continue;
    seen.add(v.upstream);
    out.push(`upstream ${v.upstream} {`, ...v.origins.map((o) => `    server ${o} max_fails=1 fail_timeout=5s;`), '    keepalive 32;', '}', '');
  }
  return out;
}
