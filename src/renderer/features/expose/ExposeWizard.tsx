/**
 * The origin exposure wizard: pick a local service, check it answers, name its public
 * hostname(s), see which edges are ready and expose it, verify it end to end, done. Every step
 * can go Back; Cancel (and leaving before the end) removes the site the wizard created or puts
 * back the one it replaced. Focus moves to each step's heading.
 */
import { useEffect, useRef } from 'react';
import { Banner } from '../../components/Banner';
import { Button } from '../../components/Button';
import { Stepper } from '../../components/Stepper';
import { navigate } from '../../routing';
import { DoneStep } from './DoneStep';
import { EdgesStep } from './EdgesStep';
import { HostnamesStep } from './HostnamesStep';
import { PickStep } from './PickStep';
import { ProbeStep } from './ProbeStep';
import { checkHostnames, checkSiteName, checkTarget } from './site-inputs';
import { useExposeWizard, type ExposeWizard as Wizard } from './use-expose-wizard';
import { VerifyStep } from './VerifyStep';
import { WIZARD_STEPS, type WizardState } from './wizard-state';

const STEP_VIEWS = [PickStep, ProbeStep, HostnamesStep, EdgesStep, VerifyStep, DoneStep] as const;
const NEXT_LABELS = ['Check it', 'Next', 'Next', 'Expose site', 'Finish'] as const;

function canGoOn(s: WizardState): boolean {
  switch (s.step) {
    case 0: return checkTarget(s.target).ok;
    case 1: return s.probe?.ok === true;
    case 2: return checkHostnames(s.hostnames).ok && checkSiteName(s.name).ok;
    case 4: return !s.verify.running;
    default: return true;
  }
}

async function next(w: Wizard): Promise<void> {
  const step = w.state.step;
  if (step === 0) {
    w.dispatch({ type: 'go', step: 1 });
    await w.probe.run();
  } else if (step === 3) {
    const result = await w.expose.run();
    if (!result?.ok) return;
    w.dispatch({ type: 'go', step: 4 });
    w.verify();
  } else if (step === 4) {
    w.dispatch({ type: 'finish' });
  } else {
    w.dispatch({ type: 'go', step: step + 1 });
  }
}

async function back(w: Wizard): Promise<void> {
  const step = w.state.step;
  if (step === 4) {
    const result = await w.undo.run();
    if (!result?.ok) return;
  }
  w.dispatch({ type: 'go', step: step - 1 });
}

async function cancel(w: Wizard): Promise<void> {
  const result = await w.undo.run();
  if (!result?.ok) return;
  w.dispatch({ type: 'reset' });
  navigate('dashboard');
}

/** The wizard screen. */
export function ExposeWizard() {
  const w = useExposeWizard();
  const s = w.state;
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (!first.current) heading.current?.focus();
    first.current = false;
  }, [s.step]);
  const StepView = STEP_VIEWS[s.step] ?? PickStep;
  // A probe may be left running (it ends by itself); exposing and undoing may not.
  const busy = w.expose.busy || w.undo.busy;
  const last = s.step === WIZARD_STEPS.length - 1;
  return (
    <div className="screen wizard">
      <h1>Expose a service</h1>
      <Stepper steps={WIZARD_STEPS} current={s.step} />
      <section className="card" aria-labelledby="wizard-step">
        <h2 id="wizard-step" ref={heading} tabIndex={-1}>{`${s.step + 1}. ${WIZARD_STEPS[s.step]}`}</h2>
        <StepView wizard={w} />
      </section>
      {w.undo.error && <Banner tone="error" title="The site could not be removed">{w.undo.error.message}</Banner>}
      {s.exposed && !last && <p className="hint">The site is exposed; Cancel or leaving this screen before Finish removes it again.</p>}
      <p className="hint" role="status">{w.undo.busy ? 'Removing the site…' : ''}</p>
      <div className="wizard-nav">
        {s.step > 0 && <Button onClick={() => void back(w)} disabled={busy}>Back</Button>}
        {!last && <Button variant="ghost" onClick={() => void cancel(w)} disabled={busy}>Cancel</Button>}
        {!last && (
          <Button variant="primary" onClick={() => void next(w)} disabled={!canGoOn(s)} busy={w.expose.busy} busyLabel="Exposing…">
            {NEXT_LABELS[s.step]}
          </Button>
        )}
      </div>
    </div>
  );
}
