/**
 * Doctor checks of the node's own state (issue 8): joined or not, advertised routes (the
 * routes preflight, reused), edge mode (nginx, the last config applied, certificates) and
 * exposed sites (the local target's health). Pure: each takes what the backend reports and
 * returns findings. Clock skew is in skew-check.ts.
 */
import type { DoctorFinding, EdgeState, ExposedSite, RoutesCheck, RoutesState, Status } from '../../shared/protocol';
import { forwardingKeys } from '../engine/sysctl';
import { shellPath } from './system-checks';

/** Printable ASCII only, at most `max` characters: text from peers ends up in terminals. */
export function printable(s: string, max = 64): string {
  return s.replace(/[^\x20-\x7e]/g, '').slice(0, max);
}

const JOIN_FIX = 'sudo cloudroof join --secret-file FILE';

/** Joined or not (info), a join that failed (error), joined without peers (warning). */
export function checkMesh(s: Status): DoctorFinding[] {
  if (s.tunnelState === 'error' || (s.wantConnected && s.tunnelState === 'disconnected')) {
    const why = s.lastError ? `: ${s.lastError.message}` : '';
    return [{
      id: 'join-failed', severity: 'error',
      message: `this node should be in a mesh but is not${why}`,
      fix: s.lastError?.code === 'wireguard-unavailable'
        ? 'install WireGuard (see above), then: sudo systemctl restart cloudroofd'
        : `fix the cause, then: sudo systemctl restart cloudroofd (or ${JOIN_FIX} again)`,
    }];
  }
  if (s.tunnelState === 'disconnected') {
    return [{ id: 'not-joined', severity: 'info', message: 'this node is not in a mesh', fix: JOIN_FIX }];
  }
  if (s.tunnelState === 'connecting') return [{ id: 'joining', severity: 'info', message: 'this node is joining a mesh', fix: '' }];
  if (s.peerCount > 0) return [];
  return [{
    id: 'no-peers', severity: 'warning',
    message: 'this node is in a mesh but has found no peer yet',
    fix: `check that the other nodes use the same secret and that no firewall blocks UDP ${s.gossipPort ?? 'G'} (exchange), UDP 51830 multicast (LAN) and UDP ${s.listenPort ?? 51820} (WireGuard)`,
  }];
}

/**
 * Advertised routes: routes that failed to apply, then the routes preflight's findings
 * (`RouteControl.check`). Forwarding off is only a note there (the service turns it on when
 * advertising); here it is an error, because something switched it off again behind the service.
 * Accepted routes that conflict are warnings. Nothing advertised → only conflicts are checked.
 */
export function checkRouting(routes: RoutesState, preflight: RoutesCheck | undefined): DoctorFinding[] {
  const out: DoctorFinding[] = [];
  for (const r of routes.advertised) {
    if (r.state !== 'error') continue;
    out.push({ id: 'route-advertise-failed', severity: 'error', message: `advertising ${r.prefix} failed: ${r.error ?? 'unknown error'}`, fix: `cloudroof routes check; then withdraw and advertise ${r.prefix} again` });
  }
  const advertised = routes.advertised.map((r) => r.prefix).join(', ');
  for (const f of preflight?.findings ?? []) {
    const family = /^forwarding-ipv([46])-off$/.exec(f.id)?.[1];
    if (!family || routes.advertised.length === 0) {
      out.push(f);
      continue;
    }
    const key = forwardingKeys[family === '4' ? 4 : 6];
    const value = f.message.includes(`${key}=`) ? f.message.slice(f.message.indexOf(`${key}=`)).split(/[)\s;,]/)[0] : key;
    out.push({
      id: f.id, severity: 'error',
      message: `IPv${family} forwarding is off (${value}) while this node advertises ${advertised}: the mesh cannot reach those networks`,
      fix: `sudo sysctl -w ${key}=1 (cloudroof had turned it on; check what switched it off, e.g. files in /etc/sysctl.d)`,
    });
  }
  if (routes.acceptRoutes) {
    for (const a of routes.accepted) {
      if (!a.conflict) continue;
      out.push({ id: 'route-not-installed', severity: 'warning', message: `${a.prefix} (advertised by ${printable(a.via.hostname ?? a.via.meshIPv4)}) is not installed: ${a.conflict}`, fix: 'nothing, if this machine reaches that network directly; otherwise ask the advertiser to use a different prefix' });
    }
  }
  return out;
}

/** Settings of {@link checkEdge} the edge state does not carry. */
export interface EdgeContext {
  joined: boolean;
  /** Whether an `nginx` program is on PATH now (the edge state's probe may be older). */
  nginxOnPath: boolean;
  nginxMode: 'managed' | 'system';
  /** Where nginx serves ACME challenges from (for a certbot hint). */
  acmeRoot?: string;
}

/** Edge mode: nginx installed and running, the last config applied, a certificate per hostname. */
export function checkEdge(e: EdgeState, c: EdgeContext): DoctorFinding[] {
  if (!e.enabled) return [];
  if (!c.nginxOnPath || !e.nginx.available) {
    const missing = !c.nginxOnPath || e.nginx.error?.includes('not installed');
    return [{
      id: missing ? 'nginx-missing' : 'nginx-unusable', severity: 'error',
      message: missing ? 'edge mode is on but nginx is not installed' : `edge mode is on but nginx cannot be used: ${e.nginx.error ?? 'unknown error'}`,
      fix: missing ? 'sudo apt-get install nginx' : 'check the nginx installation (nginx -v; sudo apt-get install --reinstall nginx)',
    }];
  }
  if (!c.joined) return [{ id: 'edge-not-joined', severity: 'info', message: 'edge mode is on, but serves nothing until this node joins a mesh', fix: JOIN_FIX }];
  const out: DoctorFinding[] = [];
  if (!e.nginx.running) {
    out.push({
      id: 'nginx-not-running', severity: 'error', message: 'edge mode is on but nginx is not running',
      fix: c.nginxMode === 'system' ? 'sudo systemctl start nginx (if it fails: sudo nginx -t names the problem)' : 'sudo systemctl restart cloudroofd (it starts its own nginx)',
    });
  }
  if (e.config.state === 'failed') {
    out.push({ id: 'edge-config-refused', severity: 'error', message: `nginx refused the last edge config: ${e.config.lastError ?? 'unknown error'}; ${e.config.appliedAt ? 'the previous config keeps serving' : 'no config is serving'}`, fix: 'fix the cause named above (cloudroof edge status shows it); cloudroof applies the config again on the next change' });
  } else if (e.config.state === 'pending') {
    out.push({ id: 'edge-config-pending', severity: 'warning', message: 'no edge config has been applied yet', fix: 'wait a few seconds and run cloudroof doctor again; cloudroof edge status shows progress' });
  }
  for (const s of e.sites) {
    if (s.conflict) {
      out.push({ id: 'hostname-conflict', severity: 'warning', message: `${s.hostname}: ${s.conflict}`, fix: 'remove the hostname from one of the origins (cloudroof expose remove on it)' });
    } else if (s.tls === 'missing') {
      const dir = shellPath(s.certPath.replace(/\/[^/]*$/, ''));
      out.push({
        id: 'certificate-missing', severity: 'error', message: `no certificate for ${s.hostname} (expected ${s.certPath}): it is not served over HTTPS`,
        fix: `put fullchain.pem and privkey.pem in ${dir}` + (c.acmeRoot ? `, e.g. sudo certbot certonly --webroot -w ${shellPath(c.acmeRoot)} -d ${s.hostname} and sudo cloudroof edge enable --cert-dir /etc/letsencrypt/live` : ''),
      });
    }
    if (s.origins.length > 0 && s.origins.every((o) => o.health.state === 'unhealthy')) {
      out.push({ id: 'origin-unreachable', severity: 'warning', message: `no origin of ${s.hostname} answers over the mesh (${s.origins.map((o) => printable(o.hostname ?? o.meshIPv4)).join(', ')})`, fix: 'on the origin: cloudroof doctor and cloudroof expose list' });
    }
  }
  return out;
}

/** Exposed sites: the mesh-side listener up and the local target healthy; edges serving. */
export function checkSites(sites: readonly ExposedSite[], joined: boolean): DoctorFinding[] {
  const out: DoctorFinding[] = [];
  for (const s of sites) {
    if (s.forwarding.state === 'error') {
      out.push({ id: 'site-forwarding-failed', severity: 'error', message: `site ${s.name}: the mesh-side listener failed: ${s.forwarding.error ?? 'unknown error'}`, fix: `sudo cloudroof expose remove ${s.name}, then add it again (a different target port avoids a conflict)` });
    }
    if (s.health.state === 'unhealthy') {
      const why = s.health.error ?? (s.health.status !== undefined ? `HTTP ${s.health.status} on ${s.healthPath}` : 'no answer');
      out.push({
        id: 'site-target-down', severity: 'error',
        message: `site ${s.name}: the local target ${s.target} does not answer (${why})`,
        fix: `start the service at ${s.target}, or point the site elsewhere: sudo cloudroof expose add ${s.name} NEW_TARGET --hostname ${s.hostnames[0] ?? 'HOST'}`,
      });
    }
    if (!joined) continue;
    for (const e of s.edges) {
      if (e.state === 'serving') continue;
      out.push({ id: 'site-edge-problem', severity: 'warning', message: `site ${s.name}: edge ${printable(e.hostname ?? e.meshIPv4 ?? e.publicKey.slice(0, 8))} reports ${e.state}${e.reason ? ` (${printable(e.reason, 200)})` : ''}`, fix: 'on that edge: cloudroof doctor and cloudroof edge status' });
    }
    if (s.edges.length === 0 && s.health.state !== 'unhealthy') {
      out.push({ id: 'site-no-edge', severity: 'info', message: `no edge serves site ${s.name} yet`, fix: 'enable edge mode on a public machine in the same mesh: sudo cloudroof edge enable' });
    }
  }
  return out;
}
