/** Progress as a native <progress> element (no inline width styles under the CSP). */

/** A progress bar of `value` (0…1); without a value it is indeterminate. */
export function ProgressBar({ value, label }: { value?: number; label: string }) {
  return (
    <progress className="progress" max={1} value={value} aria-label={label}>
      {value === undefined ? '' : `${Math.round(value * 100)}%`}
    </progress>
  );
}
