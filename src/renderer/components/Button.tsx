/** A button: `busy` shows progress, disables it and marks it aria-busy (long actions). */
import type { ReactNode } from 'react';

/** Props of {@link Button}. */
export interface ButtonProps {
  children: ReactNode;
  onClick?: () => void;
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  /** True while the action runs. */
  busy?: boolean;
  /** Text shown while busy (default: the children). */
  busyLabel?: string;
  disabled?: boolean;
  type?: 'button' | 'submit';
  /** Why it is disabled, or what it does, for assistive technology. */
  describedBy?: string;
  /** Accessible name when the visible text is not enough. */
  label?: string;
}

/** A button (never a link styled as one). */
export function Button({ children, onClick, variant = 'secondary', busy = false, busyLabel, disabled = false, type = 'button', describedBy, label }: ButtonProps) {
  return (
    <button
      type={type}
      className={`btn btn-${variant}`}
      onClick={onClick}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      aria-describedby={describedBy}
      aria-label={label}
    >
      {busy && <span className="spinner" aria-hidden="true" />}
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}
