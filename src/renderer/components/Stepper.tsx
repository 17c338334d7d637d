/** The steps of a wizard, the current one marked aria-current="step". */

/** Props of {@link Stepper}. */
export interface StepperProps {
  steps: readonly string[];
  /** Index of the current step (0-based). */
  current: number;
}

/** An ordered list of step names. */
export function Stepper({ steps, current }: StepperProps) {
  return (
    <ol className="stepper" aria-label="Steps">
      {steps.map((name, i) => (
        <li key={name} className={i < current ? 'done' : i === current ? 'current' : undefined} aria-current={i === current ? 'step' : undefined}>
          <span className="stepper-num" aria-hidden="true">{i + 1}</span>
          <span>{name}</span>
        </li>
      ))}
    </ol>
  );
}
