/** Step 2: the service checks once that the target answers HTTP (status, latency, what it looks like). */
import { Banner } from '../../components/Banner';
import { Button } from '../../components/Button';
import { KeyValueList } from '../../components/KeyValueList';
import { looksLike } from './site-inputs';
import type { ExposeWizard } from './use-expose-wizard';

/** The second step. */
export function ProbeStep({ wizard }: { wizard: ExposeWizard }) {
  const { probe: p, target } = wizard.state;
  const { busy, error } = wizard.probe;
  const retry = <Button onClick={() => void wizard.probe.run()} busy={busy} busyLabel="Checking…">Check again</Button>;
  return (
    <div className="stack">
      <p>{busy || !p ? <>Checking that <code>{target}</code> answers…</> : <>Checked <code>{target}</code>.</>}</p>
      <p className="hint" role="status">{busy ? 'Sending a request…' : ''}</p>
      {error && <Banner tone="error" title="The check could not run" actions={retry}>{error.message}</Banner>}
      {p && !p.ok && (
        <Banner tone="error" title={`Nothing answers at ${p.target}`} actions={retry}>
          <p>{p.error ?? 'no answer'}</p>
          <p>Start the service (or fix the address), then check again — or go back and pick another.</p>
        </Banner>
      )}
      {p?.ok && (
        <>
          <Banner tone="ok" title={`${p.target} answers`}>{looksLike(p)}</Banner>
          <KeyValueList
            items={[
              ['Status', p.status],
              ['Latency', p.latencyMs !== undefined ? `${Math.round(p.latencyMs)} ms` : undefined],
              ['Title', p.title],
              ['Server', p.server],
              ['Content type', p.contentType],
              ...(p.location ? [['Redirects to', p.location] as const] : []),
            ]}
          />
          <div className="row">{retry}</div>
        </>
      )}
    </div>
  );
}
