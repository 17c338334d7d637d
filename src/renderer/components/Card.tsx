/** A titled section of a screen. */
import { useId, type ReactNode } from 'react';

/** Props of {@link Card}. */
export interface CardProps {
  title: string;
  children: ReactNode;
  /** Controls at the end of the title row. */
  actions?: ReactNode;
  /** Anchor id (a link can scroll to it). */
  id?: string;
  className?: string;
}

/** A section with an h2, labelled by it. */
export function Card({ title, children, actions, id, className }: CardProps) {
  const headingId = useId();
  return (
    <section id={id} className={`card${className ? ` ${className}` : ''}`} aria-labelledby={headingId}>
      <header className="card-head">
        <h2 id={headingId}>{title}</h2>
        {actions && <div className="card-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
