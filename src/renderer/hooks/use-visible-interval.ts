/** Repeats a callback while the page is visible (document.visibilityState), and once when it becomes visible again. */
import { useEffect, useRef } from 'react';

/** Calls `fn` every `ms` while the document is visible, and when it turns visible. */
export function useVisibleInterval(fn: () => void, ms: number): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    const visible = (): boolean => document.visibilityState === 'visible';
    const timer = setInterval(() => { if (visible()) latest.current(); }, ms);
    const onVisibility = (): void => { if (visible()) latest.current(); };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [ms]);
}
