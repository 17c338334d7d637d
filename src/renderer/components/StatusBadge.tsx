/** A short state label with a coloured dot (the colour is never the only signal: the text says it). */
import type { ReactNode } from 'react';

/** How a state reads. */
export type Tone = 'ok' | 'warn' | 'error' | 'busy' | 'off';

/** A state badge. */
export function StatusBadge({ tone, children }: { tone: Tone; children: ReactNode }) {
  return (
    <span className={`badge badge-${tone}`}>
      <span className="badge-dot" aria-hidden="true" />
      {children}
    </span>
  );
}
