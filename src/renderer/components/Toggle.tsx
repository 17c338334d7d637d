/** An on/off switch (role="switch"), named by its visible label. */
import type { ReactNode } from 'react';

/** Props of {@link Toggle}. */
export interface ToggleProps {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  busy?: boolean;
  describedBy?: string;
}

/** A switch button; Space and Enter toggle it like any button. */
export function Toggle({ label, checked, onChange, disabled = false, busy = false, describedBy }: ToggleProps) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-busy={busy || undefined}
      aria-describedby={describedBy}
      className={`toggle${checked ? ' toggle-on' : ''}`}
      disabled={disabled || busy}
      onClick={() => onChange(!checked)}
    >
      <span className="toggle-track" aria-hidden="true"><span className="toggle-thumb" /></span>
      <span className="toggle-label">{label}</span>
    </button>
  );
}
