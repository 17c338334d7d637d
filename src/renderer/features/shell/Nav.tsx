/** The sidebar: the app's name, its screens (links: they change the hash route) and the node's state. */
import type { Route } from '../../../shared/ipc';
import type { Status } from '../../../shared/protocol';
import { StatusBadge } from '../../components/StatusBadge';
import { routeHref } from '../../routing';
import { tunnelBadge } from '../dashboard/node-format';

const ITEMS: readonly { route: Route; label: string }[] = [
  { route: 'dashboard', label: 'Dashboard' },
  { route: 'join', label: 'Join a mesh' },
  { route: 'expose', label: 'Expose a service' },
  { route: 'routes', label: 'LAN routes' },
  { route: 'settings', label: 'Settings' },
];

/** The navigation for `current`. */
export function Nav({ current, status }: { current: Route; status: Status | null }) {
  const badge = tunnelBadge(status);
  return (
    <nav className="sidebar" aria-label="Main">
      <p className="brand">Cloudroof</p>
      <ul>
        {ITEMS.map((item) => (
          <li key={item.route}>
            <a href={routeHref(item.route)} aria-current={item.route === current ? 'page' : undefined}>{item.label}</a>
          </li>
        ))}
      </ul>
      <div className="sidebar-foot">
        <StatusBadge tone={badge.tone}>{badge.label}</StatusBadge>
        {status?.meshIPv4 && <span className="mono small">{status.meshIPv4}</span>}
      </div>
    </nav>
  );
}
