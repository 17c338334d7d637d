/**
 * A labelled text input with a hint and an error under it. The error is announced politely as
 * it changes (validation while typing) and ties to the input with aria-invalid/aria-describedby.
 */
import { useId, type ReactNode } from 'react';

/** Props of {@link Field}. */
export interface FieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** What is wrong with the value, or nothing. */
  error?: string;
  hint?: ReactNode;
  type?: 'text' | 'password' | 'url';
  inputMode?: 'text' | 'numeric' | 'url';
  placeholder?: string;
  disabled?: boolean;
  /** Turns off spell checking, autocompletion and autocapitalisation (secrets, names, addresses). */
  literal?: boolean;
  /** Called on Enter. */
  onEnter?: () => void;
}

/** A text field. */
export function Field({ label, value, onChange, error, hint, type = 'text', inputMode, placeholder, disabled, literal = true, onEnter }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        inputMode={inputMode}
        placeholder={placeholder}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        spellCheck={literal ? false : undefined}
        autoComplete={literal ? 'off' : undefined}
        autoCapitalize={literal ? 'off' : undefined}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => { if (e.key === 'Enter' && onEnter) onEnter(); }}
      />
      {hint && <p id={hintId} className="hint">{hint}</p>}
      <p id={errorId} className="field-error" aria-live="polite">{error}</p>
    </div>
  );
}
