/**
 * Whether an edge can serve a site's hostnames now (nginx usable and running, its config
 * accepted, a certificate for every hostname), and what to do on the edge when not. Pure.
 */
import type { MeshEdge } from '../../../shared/protocol';
import { nodeName } from '../dashboard/node-format';

/** Readiness of one edge for a set of hostnames. */
export interface EdgeReadiness {
  edge: MeshEdge;
  ready: boolean;
  /** What is wrong with the edge itself (nginx, config). */
  problems: string[];
  /** Hostnames it holds no certificate for. */
  missingCertificates: string[];
}

/** How ready `edge` is for `hostnames`. */
export function edgeReadiness(edge: MeshEdge, hostnames: readonly string[]): EdgeReadiness {
  const problems: string[] = [];
  if (!edge.nginx.available) problems.push(`nginx is not usable${edge.nginx.error ? `: ${edge.nginx.error}` : ''}`);
  else if (!edge.nginx.running) problems.push(`nginx is not running${edge.nginx.error ? `: ${edge.nginx.error}` : ''}`);
  if (edge.config.state === 'failed') problems.push(`its last nginx configuration was refused${edge.config.lastError ? `: ${edge.config.lastError}` : ''}`);
  const missingCertificates = hostnames.filter((h) => !edge.certificates.includes(h));
  return { edge, ready: problems.length === 0 && missingCertificates.length === 0, problems, missingCertificates };
}

const LETSENCRYPT_LIVE = '/etc/letsencrypt/live';

/** Steps to give `edge` a certificate for `hostname`: where the files go, or certbot with the edge's webroot. */
export function certificateSteps(edge: MeshEdge, hostname: string): string[] {
  const dir = `${edge.certDir.replace(/\/+$/, '')}/${hostname}/`;
  const steps = [`On ${nodeName(edge)}, put fullchain.pem and privkey.pem for ${hostname} in ${dir}`];
  if (edge.acmeWebroot) {
    const certbot = `or, with ${hostname} pointing at this edge in DNS, run there: sudo certbot certonly --webroot -w ${edge.acmeWebroot} -d ${hostname}`;
    const move = edge.certDir.replace(/\/+$/, '') === LETSENCRYPT_LIVE
      ? ''
      : ` — then copy the two files from ${LETSENCRYPT_LIVE}/${hostname}/ to ${dir}, or use them in place: sudo cloudroof edge enable --cert-dir ${LETSENCRYPT_LIVE}`;
    steps.push(certbot + move);
  }
  return steps;
}

/** Steps for an edge whose nginx is not usable. */
export const NGINX_STEPS = ['Install nginx on the edge (sudo apt-get install nginx), then run sudo cloudroof edge enable again.'];

/** How to make an edge when the mesh has none. */
export const NO_EDGE_STEPS = [
  'An edge is a machine with a public address (a VPS) in this mesh, running nginx.',
  'On it: install nginx (sudo apt-get install nginx), join this mesh with the same secret, then run: sudo cloudroof edge enable',
  'Edges report here within a few seconds.',
];
