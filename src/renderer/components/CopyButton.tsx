/**
 * Copies a text to the clipboard and says whether it worked (announced politely). When the
 * clipboard is not available (a denied permission), it says to select and copy by hand.
 */
import { useEffect, useRef, useState } from 'react';

/** Props of {@link CopyButton}. */
export interface CopyButtonProps {
  text: string;
  /** What is copied, for the accessible name: "Copy mesh IPv4". */
  what: string;
}

type CopyState = 'idle' | 'copied' | 'failed';

/** A small Copy button with feedback. */
export function CopyButton({ text, what }: CopyButtonProps) {
  const [state, setState] = useState<CopyState>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = async (): Promise<void> => {
    let next: CopyState = 'failed';
    try {
      await navigator.clipboard.writeText(text);
      next = 'copied';
    } catch {
      // No clipboard access (permission denied, or an insecure context): say so below.
    }
    setState(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), 2500);
  };
  return (
    <span className="copy">
      <button type="button" className="btn btn-ghost btn-small" aria-label={`Copy ${what}`} onClick={() => void copy()}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="copy-status" aria-live="polite">{state === 'failed' ? 'Copy failed: select the text and copy it by hand' : ''}</span>
    </span>
  );
}
