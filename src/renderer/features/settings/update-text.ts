/** What the updater's state reads as in Settings. Pure. */
import { formatAge } from '../../../shared/human-format';
import type { UpdateState } from '../../../shared/ipc';

/** One line about the updater's state at `now`. */
export function updateText(u: UpdateState, now: number): string {
  const v = u.version ? ` ${u.version}` : '';
  switch (u.state) {
    case 'disabled': return 'Updates are not available in this build.';
    case 'idle': return 'Not checked yet.';
    case 'checking': return 'Checking for updates…';
    case 'available': return `Version${v} is available; downloading…`;
    case 'downloading': return `Downloading version${v}${u.progress !== undefined ? ` (${Math.round(u.progress * 100)}%)` : ''}…`;
    case 'ready': return `Version${v} is ready: restart to install it.`;
    case 'up-to-date': return `Cloudroof is up to date${u.checkedAt ? ` (checked ${formatAge(u.checkedAt, now)})` : ''}.`;
    case 'offline': return 'Offline: Cloudroof checks again later.';
    case 'error': return `The update check failed${u.message ? `: ${u.message}` : ''}.`;
  }
}
