/**
 * The exposure wizard's logic over the API: probing the target, exposing the site (remembering
 * what it replaced), undoing that (Cancel, Back from the verification, leaving the screen
 * before Finish), and running the verification stream. Screens only render its state.
 */
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { ipcFailure, type IpcResult } from '../../../shared/ipc';
import type { SitesResponse } from '../../../shared/protocol';
import { useAction, type Action } from '../../hooks/use-action';
import { useRuntime } from '../../hooks/use-runtime';
import { checkHostnames, restoreRequest } from './site-inputs';
import { INITIAL_WIZARD, wizardReducer, type Exposure, type WizardAction, type WizardState } from './wizard-state';

/** What the wizard's screens get. */
export interface ExposeWizard {
  state: WizardState;
  dispatch: (a: WizardAction) => void;
  probe: Action<[], unknown>;
  expose: Action<[], SitesResponse>;
  undo: Action<[], SitesResponse | null>;
  /** Starts (or restarts) the verification of the exposed site. */
  verify(): void;
}

/** The wizard's state and actions. */
export function useExposeWizard(): ExposeWizard {
  const { api, store } = useRuntime();
  const [state, dispatch] = useReducer(wizardReducer, INITIAL_WIZARD);
  const latest = useRef(state);
  latest.current = state;
  const verifyRun = useRef(0);
  // What is exposed now, updated as soon as a call answers (the state follows on the next render).
  const exposure = useRef<Exposure | null>(null);
  const setExposure = useCallback((e: Exposure | null) => {
    exposure.current = e;
    dispatch({ type: 'exposed', exposure: e });
  }, []);

  const probe = useAction(async (): Promise<IpcResult<unknown>> => {
    dispatch({ type: 'probe', probe: null });
    const result = await api.service.probeSite({ target: latest.current.target.trim() });
    if (result.ok) dispatch({ type: 'probe', probe: result.value });
    return result;
  });

  const undoExposure = useCallback(async (e: Exposure): Promise<IpcResult<SitesResponse | null>> => {
    verifyRun.current++;
    const result = e.previous ? await api.service.exposeSite(restoreRequest(e.previous)) : await api.service.removeSite({ name: e.name });
    if (result.ok) store.getState().setResource('sites', result.value);
    if (!result.ok && result.error.code === 'site-not-found') return { ok: true, value: null };
    return result;
  }, [api, store]);

  const undo = useAction(async (): Promise<IpcResult<SitesResponse | null>> => {
    const e = exposure.current;
    if (!e) return { ok: true, value: null };
    const result = await undoExposure(e);
    if (result.ok) setExposure(null);
    return result;
  });

  const expose = useAction(async (): Promise<IpcResult<SitesResponse>> => {
    const s = latest.current;
    const hostnames = checkHostnames(s.hostnames);
    if (!s.probe || !hostnames.ok) return ipcFailure('invalid-site', 'check the hostnames first');
    const before = await api.service.sites();
    if (!before.ok) return before;
    const previous = before.value.sites.find((x) => x.name === s.name);
    const result = await api.service.exposeSite({ name: s.name, target: s.probe.target, hostnames: hostnames.value });
    if (!result.ok) return result;
    store.getState().setResource('sites', result.value);
    setExposure({ name: s.name, ...(previous ? { previous } : {}) });
    return result;
  });

  const verify = useCallback(() => {
    const e = exposure.current;
    if (!e) return;
    const run = ++verifyRun.current;
    dispatch({ type: 'verify-start' });
    const { upload, ...paths } = latest.current.paths;
    void api.stream.verifySite({ name: e.name, paths: upload.trim() === '' ? paths : { ...paths, upload: upload.trim() } }, (event) => {
      if (verifyRun.current === run) dispatch({ type: 'verify-event', event });
    }).then((result) => {
      if (verifyRun.current === run && !result.ok) dispatch({ type: 'verify-failed', error: result.error });
    });
  }, [api]);

  // Leaving the screen before Finish leaves nothing behind, as Cancel does.
  useEffect(() => () => {
    if (exposure.current && !latest.current.finished) void undoExposure(exposure.current);
  }, [undoExposure]);

  return { state, dispatch, probe, expose, undo, verify };
}
