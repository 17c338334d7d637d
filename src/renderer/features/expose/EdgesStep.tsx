/**
 * Step 4: the edges of the mesh and whether each is ready for these hostnames (nginx running,
 * its config accepted, a certificate for every hostname), with what to do on the edge when not;
 * how to make an edge when there is none. Next exposes the site.
 */
import type { MeshEdge } from '../../../shared/protocol';
import { Banner } from '../../components/Banner';
import { StatusBadge } from '../../components/StatusBadge';
import { useResource } from '../../hooks/use-resource';
import { nodeName } from '../dashboard/node-format';
import { certificateSteps, edgeReadiness, NGINX_STEPS, NO_EDGE_STEPS } from './edge-readiness';
import { checkHostnames } from './site-inputs';
import type { ExposeWizard } from './use-expose-wizard';

function EdgeEntry({ edge, hostnames }: { edge: MeshEdge; hostnames: readonly string[] }) {
  const r = edgeReadiness(edge, hostnames);
  return (
    <article className="edge" aria-label={`Edge ${nodeName(edge)}`}>
      <header className="site-head">
        <h3>{nodeName(edge)} <span className="mono small">{edge.meshIPv4}</span></h3>
        <StatusBadge tone={r.ready ? 'ok' : 'warn'}>{r.ready ? 'Ready' : 'Not ready'}</StatusBadge>
      </header>
      {r.problems.length > 0 && <ul className="plain-list">{r.problems.map((p) => <li key={p}>{p}</li>)}</ul>}
      {!edge.nginx.available && <p className="hint">{NGINX_STEPS[0]}</p>}
      {r.missingCertificates.map((h) => (
        <div key={h}>
          <p>No certificate for <strong>{h}</strong>:</p>
          <ul className="steps">{certificateSteps(edge, h).map((s) => <li key={s}>{s}</li>)}</ul>
        </div>
      ))}
    </article>
  );
}

/** The fourth step. */
export function EdgesStep({ wizard }: { wizard: ExposeWizard }) {
  const edges = useResource('edges');
  const hosts = checkHostnames(wizard.state.hostnames);
  const hostnames = hosts.ok ? hosts.value : [];
  const list = edges.data?.edges ?? [];
  return (
    <div className="stack">
      {edges.error && <p className="field-error" role="alert">{edges.error.message}</p>}
      {edges.data && list.length === 0 && (
        <Banner tone="info" title="No edge in this mesh yet">
          <ul className="steps">{NO_EDGE_STEPS.map((s) => <li key={s}>{s}</li>)}</ul>
          <p>You can expose the site now: it goes live when an edge reports.</p>
        </Banner>
      )}
      {list.map((e) => <EdgeEntry key={e.publicKey} edge={e} hostnames={hostnames} />)}
      {wizard.expose.error && <Banner tone="error" title="The site was not exposed">{wizard.expose.error.message}</Banner>}
      <p className="hint" role="status">{wizard.expose.busy ? 'Exposing the site…' : ''}</p>
    </div>
  );
}
