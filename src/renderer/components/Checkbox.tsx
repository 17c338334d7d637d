/** A labelled checkbox with an optional description (e.g. why it is disabled). */
import { useId, type ReactNode } from 'react';

/** Props of {@link Checkbox}. */
export interface CheckboxProps {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  busy?: boolean;
  description?: ReactNode;
}

/** A native checkbox inside its label. */
export function Checkbox({ label, checked, onChange, disabled = false, busy = false, description }: CheckboxProps) {
  const descId = useId();
  return (
    <div className="check">
      <label>
        <input
          type="checkbox"
          checked={checked}
          disabled={disabled || busy}
          aria-busy={busy || undefined}
          aria-describedby={description ? descId : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span>{label}</span>
        {busy && <span className="spinner" aria-hidden="true" />}
      </label>
      {description && <p id={descId} className="hint">{description}</p>}
    </div>
  );
}
