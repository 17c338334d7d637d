/**
 * Sites this node exposes: local health, each edge's state, and the public URLs. `highlight`
 * (from `#/dashboard?site=NAME`, the wizard's last step links there) scrolls to one site.
 */
import { useEffect } from 'react';
import type { ExposedSite } from '../../../shared/protocol';
import { Card } from '../../components/Card';
import { StatusBadge } from '../../components/StatusBadge';
import { useResource } from '../../hooks/use-resource';
import { routeHref } from '../../routing';
import { ExternalLink } from '../shell/ExternalLink';
import { healthBadge, nodeName, siteEdgeBadge } from './node-format';

/** Element id of a site's entry. */
export const siteAnchor = (name: string): string => `site-${name}`;

function SiteEntry({ site, highlight }: { site: ExposedSite; highlight: boolean }) {
  const health = healthBadge(site.health);
  return (
    <article id={siteAnchor(site.name)} className={`site${highlight ? ' highlight' : ''}`} aria-label={`Site ${site.name}`}>
      <header className="site-head">
        <h3>{site.name}</h3>
        <StatusBadge tone={health.tone}>{health.label}</StatusBadge>
      </header>
      <p className="small">Local service <span className="mono">{site.target}</span> · {site.hostnames.join(', ')}</p>
      {site.forwarding.state === 'error' && <p className="field-error">Mesh forwarding failed: {site.forwarding.error}</p>}
      {site.publicUrls.length > 0 && (
        <ul className="plain-list">{site.publicUrls.map((u) => <li key={u}><ExternalLink href={u}>{u}</ExternalLink></li>)}</ul>
      )}
      {site.edges.length === 0 ? (
        <p className="hint">No edge has reported on this site yet.</p>
      ) : (
        <ul className="plain-list">
          {site.edges.map((e) => {
            const b = siteEdgeBadge(e.state);
            return (
              <li key={e.publicKey}>
                Edge {nodeName(e)}: <StatusBadge tone={b.tone}>{b.label}</StatusBadge>{e.tls ? ' · HTTPS' : ''}{e.reason ? ` · ${e.reason}` : ''}
              </li>
            );
          })}
        </ul>
      )}
    </article>
  );
}

/** The "Sites" card. */
export function SitesCard({ highlight }: { highlight?: string }) {
  const sites = useResource('sites');
  const shown = sites.data !== undefined;
  useEffect(() => {
    if (highlight && shown) document.getElementById(siteAnchor(highlight))?.scrollIntoView?.({ block: 'nearest' });
  }, [highlight, shown]);
  return (
    <Card title="Sites" actions={<a href={routeHref('expose')}>Add a site</a>}>
      {sites.error && <p className="field-error" role="alert">{sites.error.message}</p>}
      {sites.data?.sites.length === 0 && <p className="empty">This node exposes no sites. <a href={routeHref('expose')}>Expose a local service</a> through an edge.</p>}
      {sites.data?.sites.map((s) => <SiteEntry key={s.name} site={s} highlight={s.name === highlight} />)}
    </Card>
  );
}
