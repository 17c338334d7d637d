/**
 * Step 5: the site verified end to end through each edge — a request, a websocket, an SSE
 * stream and an upload (with a progress bar) — live from the verifySite stream; the websocket
 * and SSE paths can be changed and the verification run again.
 */
import type { VerifyCheck, VerifyStep as Step } from '../../../shared/protocol';
import { Banner } from '../../components/Banner';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { ProgressBar } from '../../components/ProgressBar';
import { StatusBadge, type Tone } from '../../components/StatusBadge';
import { checkPath } from './site-inputs';
import type { ExposeWizard } from './use-expose-wizard';
import { stepsByEdge } from './verify-progress';

const CHECK_NAMES: Record<VerifyCheck, string> = { request: 'Request', websocket: 'WebSocket', sse: 'Server-sent events', upload: 'Upload' };
const STATE_TONES: Record<Step['state'], Tone> = { pending: 'off', running: 'busy', passed: 'ok', failed: 'error', skipped: 'off' };

function CheckRow({ step }: { step: Step }) {
  return (
    <li className="check-row">
      <span className="check-name">{CHECK_NAMES[step.check]}</span>
      <StatusBadge tone={STATE_TONES[step.state]}>{step.state}</StatusBadge>
      {step.latencyMs !== undefined && <span className="small">{Math.round(step.latencyMs)} ms</span>}
      {step.detail && <span className="small">{step.detail}</span>}
      {step.check === 'upload' && step.state === 'running' && <ProgressBar value={step.progress} label="Upload progress" />}
    </li>
  );
}

function PathFields({ wizard }: { wizard: ExposeWizard }) {
  const { paths } = wizard.state;
  const ws = checkPath(paths.websocket);
  const sse = checkPath(paths.sse);
  const upload = paths.upload.trim() === '' ? { ok: true as const } : checkPath(paths.upload);
  const set = (p: Partial<typeof paths>): void => wizard.dispatch({ type: 'paths', paths: { ...paths, ...p } });
  return (
    <details className="advanced">
      <summary>Paths of the checks</summary>
      <Field label="WebSocket path" value={paths.websocket} onChange={(v) => set({ websocket: v })} error={ws.ok ? undefined : ws.error} />
      <Field label="SSE path" value={paths.sse} onChange={(v) => set({ sse: v })} error={sse.ok ? undefined : sse.error} />
      <Field label="Upload path" value={paths.upload} onChange={(v) => set({ upload: v })} placeholder="the health path" error={upload.ok ? undefined : upload.error} />
    </details>
  );
}

/** The fifth step. */
export function VerifyStep({ wizard }: { wizard: ExposeWizard }) {
  const v = wizard.state.verify;
  const { websocket, sse, upload } = wizard.state.paths;
  const pathsOk = checkPath(websocket).ok && checkPath(sse).ok && (upload.trim() === '' || checkPath(upload).ok);
  const again = <Button onClick={wizard.verify} disabled={v.running || !pathsOk}>Verify again</Button>;
  return (
    <div className="stack">
      <p className="hint" role="status">{v.running ? 'Verifying through the edges…' : ''}</p>
      {v.error && <Banner tone="error" title="The verification could not run" actions={again}>{v.error.message}</Banner>}
      {stepsByEdge(v.steps).map((g) => (
        <section key={g.edge} className="verify-edge" aria-label={`Through ${g.edgeHostname ?? g.edge}`}>
          <h3>Through {g.edgeHostname ?? g.edge}</h3>
          <ul className="plain-list">{g.steps.map((s) => <CheckRow key={s.check} step={s} />)}</ul>
        </section>
      ))}
      {v.done?.ok && <Banner tone="ok" title="The site works through the edges" actions={again} />}
      {v.done && !v.done.ok && (
        <Banner tone="warn" title="Some checks failed" actions={again}>
          The details above say what failed. You can fix it and verify again, or finish anyway.
        </Banner>
      )}
      <PathFields wizard={wizard} />
    </div>
  );
}
