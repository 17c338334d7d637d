/**
 * A link to a public URL. In the desktop app it asks main to open the user's browser
 * (app.openExternal: the window itself never navigates away); in the web console it is a plain
 * link in a new tab without a referrer.
 */
import type { ReactNode } from 'react';
import { useApi } from '../../hooks/use-runtime';
import { useAppStore } from '../../store/use-app-store';

/** A link to `href` opened outside the app; anything but http(s) is shown as text, not linked. */
export function ExternalLink({ href, children }: { href: string; children: ReactNode }) {
  const api = useApi();
  const electron = useAppStore((s) => s.app?.environment === 'electron');
  if (!/^https?:\/\//i.test(href)) return <span>{children}</span>;
  if (!electron) return <a href={href} target="_blank" rel="noreferrer noopener">{children}</a>;
  return (
    <a href={href} onClick={(e) => { e.preventDefault(); void api.app.openExternal({ url: href }); }}>{children}</a>
  );
}
