/** Text output of `cloudroof expose …` and `cloudroof edge …`. */
import type { EdgeState, ExposedSite, HealthCheck } from '../../shared/protocol';
import { formatAge, formatFields, formatTable, nodeName } from '../format';

/** `healthy (200, 3 ms)`, `unhealthy: connection refused`, `unknown`. */
export function formatHealth(h: HealthCheck): string {
  if (h.state === 'unhealthy') return `unhealthy: ${h.error ?? (h.status ? `answered ${h.status}` : 'failed')}`;
  if (h.state === 'healthy') return `healthy (${[h.status, h.latencyMs !== undefined ? `${Math.round(h.latencyMs)} ms` : undefined].filter(Boolean).join(', ')})`;
  return 'unknown';
}

/** One line saying where the site is live, e.g. `live at https://www.example.com/ via 2 edges`. */
export function siteSummary(s: ExposedSite): string {
  const serving = s.edges.filter((e) => e.state === 'serving');
  if (s.forwarding.state === 'error') return `not offered to the mesh: ${s.forwarding.error ?? 'error'}`;
  if (s.forwarding.state === 'pending') return 'waiting for the mesh (not joined)';
  if (serving.length === 0) {
    const why = s.edges.map((e) => `${e.hostname ?? e.publicKey.slice(0, 8)}: ${e.state}${e.reason ? ` (${e.reason})` : ''}`);
    return why.length ? `not live: ${why.join('; ')}` : 'not live: no edge serves it yet (enable edge mode on a mesh node: cloudroof edge enable)';
  }
  const urls = s.publicUrls.length ? s.publicUrls.join(', ') : s.hostnames.map((h) => `http://${h}/ (no certificate yet)`).join(', ');
  return `live at ${urls} via ${serving.length} edge${serving.length === 1 ? '' : 's'}`;
}

/** The `expose list` output. */
export function formatSites(sites: readonly ExposedSite[], now: number): string {
  if (sites.length === 0) return 'No sites exposed. Add one: cloudroof expose add NAME http://127.0.0.1:PORT --hostname www.example.com\n';
  return sites.map((s) => {
    const head = formatFields([
      ['Site', s.name], ['Target', s.target], ['Hostnames', s.hostnames.join(', ')],
      ['Mesh port', s.meshPort], ['Local health', `${formatHealth(s.health)} (${s.healthPath} every ${s.healthIntervalS}s)`],
      ['Status', siteSummary(s)],
    ]);
    if (s.edges.length === 0) return head;
    const rows = [['EDGE', 'MESH IP', 'STATE', 'TLS', 'REPORTED', 'REASON']];
    for (const e of s.edges) rows.push([nodeName(e), e.meshIPv4 ?? '-', e.state, e.tls ? 'yes' : 'no', formatAge(e.reportedAt, now), e.reason ?? '-']);
    return head + formatTable(rows);
  }).join('\n');
}

/** The `edge status` output. */
export function formatEdge(e: EdgeState, now: number): string {
  const nginx = e.nginx.available ? `nginx ${e.nginx.version ?? ''} (${e.nginx.running ? 'running' : 'not running'})` : `unavailable: ${e.nginx.error ?? ''}`;
  const cfg = e.config;
  const config = cfg.state === 'failed'
    ? `refused: ${cfg.lastError ?? ''}${cfg.appliedAt ? ` (the config applied ${formatAge(cfg.appliedAt, now)} keeps serving)` : ''}`
    : cfg.state === 'applied' ? `applied ${formatAge(cfg.appliedAt, now)}` : cfg.state === 'pending' ? `pending${cfg.lastError ? `: ${cfg.lastError}` : ''}` : 'off';
  const s = e.settings;
  let out = formatFields([
    ['Edge mode', e.enabled ? 'on' : 'off'], ['nginx', nginx], ['Config', config],
    ...(s ? [['Certificates', s.certDir], ['Cache', `${s.cacheSize}${e.cache ? `, ${Math.round(e.cache.usedBytes / 1048576)} MiB used` : ''}`],
      ['Max body', s.maxBody], ['Ports', `${s.httpPort}/http, ${s.httpsPort}/https`]] as [string, string][] : []),
  ]);
  if (!e.enabled) return out + 'Turn it on: sudo cloudroof edge enable [--cert-dir DIR]\n';
  if (e.sites.length === 0) return out + 'No sites announced by origins yet.\n';
  const rows = [['HOSTNAME', 'SITE', 'TLS', 'ORIGINS', 'NOTE']];
  for (const site of e.sites) {
    const origins = site.origins.map((o) => `${o.hostname ?? o.meshIPv4}:${o.port} ${o.health.state}`).join(', ') || '-';
    rows.push([site.hostname, site.site, site.tls === 'ok' ? 'yes' : `missing ${site.certPath}`, origins, site.conflict ?? '-']);
  }
  out += formatTable(rows);
  return out;
}
