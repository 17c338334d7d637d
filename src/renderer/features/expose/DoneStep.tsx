/** Step 6: the public URL(s) and the site's live health, with a link to it on the dashboard. */
import { Button } from '../../components/Button';
import { StatusBadge } from '../../components/StatusBadge';
import { useResource } from '../../hooks/use-resource';
import { routeHref } from '../../routing';
import { healthBadge } from '../dashboard/node-format';
import { ExternalLink } from '../shell/ExternalLink';
import type { ExposeWizard } from './use-expose-wizard';

/** The last step. */
export function DoneStep({ wizard }: { wizard: ExposeWizard }) {
  const sites = useResource('sites');
  const name = wizard.state.exposed?.name ?? wizard.state.name;
  const site = sites.data?.sites.find((s) => s.name === name);
  const urls = [...new Set([...(wizard.state.verify.done?.publicUrls ?? []), ...(site?.publicUrls ?? [])])];
  const health = site ? healthBadge(site.health) : undefined;
  return (
    <div className="stack">
      <p>The site <strong>{name}</strong> is exposed.</p>
      {urls.length > 0 ? (
        <ul className="plain-list" aria-label="Public URLs">{urls.map((u) => <li key={u}><ExternalLink href={u}>{u}</ExternalLink></li>)}</ul>
      ) : (
        <p className="hint">No edge serves it over HTTPS yet; its public URLs appear here and on the dashboard when one does.</p>
      )}
      {health && <p>Local health: <StatusBadge tone={health.tone}>{health.label}</StatusBadge></p>}
      <div className="row">
        <a className="btn btn-primary" href={routeHref('dashboard', { site: name })}>Show it on the dashboard</a>
        <Button onClick={() => wizard.dispatch({ type: 'reset' })}>Expose another service</Button>
      </div>
    </div>
  );
}
