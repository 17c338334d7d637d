/**
 * The exposure wizard's state and its reducer. Pure. `exposed` records what the wizard did on the
 * service — the site it created, or the one it replaced (`previous`) — so Cancel, Back from the
 * verification, and leaving the screen before the end put everything back as it was.
 */
import {
  DEFAULT_VERIFY_SSE_PATH, DEFAULT_VERIFY_WEBSOCKET_PATH, type ProbeSiteResponse, type SiteConfig, type VerifyEvent,
} from '../../../shared/protocol';
import { applyVerifyEvent, IDLE_VERIFY, type VerifyProgress } from './verify-progress';
import type { IpcErrorInfo } from '../../../shared/ipc';
import { splitHostnames, suggestSiteName } from './site-inputs';

/** Names of the steps, in order. */
export const WIZARD_STEPS = ['Local service', 'Check', 'Public hostname', 'Edges', 'Verify', 'Done'] as const;

/** What the wizard changed on the service. */
export interface Exposure {
  name: string;
  /** The site of the same name it replaced, if any. */
  previous?: SiteConfig;
}

/** The wizard's state. */
export interface WizardState {
  /** Index into {@link WIZARD_STEPS}. */
  step: number;
  target: string;
  probe: ProbeSiteResponse | null;
  hostnames: string;
  name: string;
  /** Whether the user typed the name (then it is no longer suggested). */
  nameEdited: boolean;
  exposed: Exposure | null;
  /** True once the user finished: the site stays. */
  finished: boolean;
  verify: VerifyProgress;
  /** Paths of the verification's checks; an empty `upload` means the site's health path. */
  paths: { websocket: string; sse: string; upload: string };
}

/** A change of the wizard's state. */
export type WizardAction =
  | { type: 'go'; step: number }
  | { type: 'target'; target: string }
  | { type: 'probe'; probe: ProbeSiteResponse | null }
  | { type: 'hostnames'; text: string }
  | { type: 'name'; name: string }
  | { type: 'exposed'; exposure: Exposure | null }
  | { type: 'verify-start' }
  | { type: 'verify-event'; event: VerifyEvent }
  | { type: 'verify-failed'; error: IpcErrorInfo }
  | { type: 'paths'; paths: WizardState['paths'] }
  | { type: 'finish' }
  | { type: 'reset' };

/** A fresh wizard. */
export const INITIAL_WIZARD: WizardState = {
  step: 0, target: '', probe: null, hostnames: '', name: '', nameEdited: false, exposed: null, finished: false,
  verify: IDLE_VERIFY, paths: { websocket: DEFAULT_VERIFY_WEBSOCKET_PATH, sse: DEFAULT_VERIFY_SSE_PATH, upload: '' },
};

/** The reducer. */
export function wizardReducer(s: WizardState, a: WizardAction): WizardState {
  switch (a.type) {
    case 'go': return { ...s, step: a.step, finished: a.step === WIZARD_STEPS.length - 1 ? s.finished : false };
    case 'target': return { ...s, target: a.target, probe: null };
    case 'probe': return { ...s, probe: a.probe };
    case 'hostnames': return { ...s, hostnames: a.text, name: s.nameEdited ? s.name : suggestSiteName(splitHostnames(a.text)[0] ?? '') };
    case 'name': return { ...s, name: a.name, nameEdited: true };
    case 'exposed': return { ...s, exposed: a.exposure };
    case 'verify-start': return { ...s, verify: { running: true, steps: [] } };
    case 'verify-event': return { ...s, verify: applyVerifyEvent(s.verify, a.event) };
    case 'verify-failed': return { ...s, verify: { ...s.verify, running: false, error: a.error } };
    case 'paths': return { ...s, paths: a.paths };
    case 'finish': return { ...s, step: WIZARD_STEPS.length - 1, finished: true };
    case 'reset': return INITIAL_WIZARD;
  }
}
