/** Step 1: a listening TCP service of this machine (port, process, address), or a typed URL. */
import { Field } from '../../components/Field';
import { useResource } from '../../hooks/use-resource';
import { checkTarget } from './site-inputs';
import type { ExposeWizard } from './use-expose-wizard';

/** The first step. */
export function PickStep({ wizard }: { wizard: ExposeWizard }) {
  const services = useResource('localServices');
  const { target } = wizard.state;
  const set = (t: string): void => wizard.dispatch({ type: 'target', target: t });
  const typed = target.trim() ? checkTarget(target) : null;
  const list = services.data?.services ?? [];
  return (
    <div className="stack">
      <p>Pick the local service to publish through the mesh’s edges, or type its URL.</p>
      {services.error && <p className="field-error" role="alert">{services.error.message}</p>}
      {list.length > 0 && (
        <fieldset className="choices">
          <legend>Listening on this machine</legend>
          {list.map((s) => (
            <label key={`${s.address}|${s.port}|${s.family}`} className="choice">
              <input type="radio" name="local-service" checked={target === s.url} onChange={() => set(s.url)} />
              <span><strong>{s.process ?? 'Unknown process'}</strong> on port {s.port}</span>
              <span className="hint">{s.address}{s.pid ? ` · pid ${s.pid}` : ''}{s.exposedAs ? ` · already exposed as ${s.exposedAs}` : ''}</span>
            </label>
          ))}
        </fieldset>
      )}
      {services.data && list.length === 0 && <p className="empty">No listening TCP service was found on this machine; type the URL of the service below.</p>}
      <Field
        label="URL of the service"
        value={target}
        onChange={set}
        placeholder="http://127.0.0.1:8080"
        error={typed && !typed.ok ? typed.error : undefined}
        hint="http:// or https://, the address it listens on and its port."
      />
    </div>
  );
}
