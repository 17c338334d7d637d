/** A message across the top of a screen or a section; errors are announced (role="alert"). */
import type { ReactNode } from 'react';

/** Props of {@link Banner}. */
export interface BannerProps {
  tone: 'info' | 'warn' | 'error' | 'ok';
  title?: ReactNode;
  children?: ReactNode;
  /** Buttons or links at its end. */
  actions?: ReactNode;
}

/** A banner. */
export function Banner({ tone, title, children, actions }: BannerProps) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <div className="banner-body">
        {title && <p className="banner-title">{title}</p>}
        {children}
      </div>
      {actions && <div className="banner-actions">{actions}</div>}
    </div>
  );
}
