/**
 * Runs an API call for a button: `busy` while it runs (the button shows progress and is
 * disabled), `error` with the result's message (written for humans; never a stack) until the
 * next run or `reset`. State updates after unmount are skipped.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { IpcErrorInfo, IpcResult } from '../../shared/ipc';

/** What {@link useAction} returns. */
export interface Action<A extends unknown[], T> {
  /** Runs the call (ignored while one runs) and resolves with its result. */
  run(...args: A): Promise<IpcResult<T> | undefined>;
  busy: boolean;
  error: IpcErrorInfo | null;
  reset(): void;
}

/** Wraps `fn` (which resolves with an IpcResult) for a button. */
export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<IpcResult<T>>): Action<A, T> {
  const latest = useRef(fn);
  latest.current = fn;
  const mounted = useRef(true);
  const running = useRef(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcErrorInfo | null>(null);
  useEffect(() => {
    mounted.current = true;
    return () => { mounted.current = false; };
  }, []);
  const run = useCallback(async (...args: A): Promise<IpcResult<T> | undefined> => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      const result = await latest.current(...args);
      if (mounted.current) setError(result.ok ? null : result.error);
      return result;
    } finally {
      running.current = false;
      if (mounted.current) setBusy(false);
    }
  }, []);
  const reset = useCallback(() => setError(null), []);
  return { run, busy, error, reset };
}
