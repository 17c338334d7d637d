/**
 * What the setup screen says for each connection state (pure text, chosen from the AppState).
 * Messages from main (`connection.message`, `install.reason`) are shown as well: they are
 * written for humans and say what exactly went wrong.
 */
import { addToGroupCommand, startServiceCommand, type AppState, type ConnectionState } from '../../../shared/ipc';

/** Connection states in which the app cannot use the service and shows the setup screen. */
export const SETUP_STATES: readonly ConnectionState['state'][] = ['not-installed', 'not-running', 'permission-denied', 'untrusted-socket', 'incompatible'];

/** True when the setup screen replaces the others. */
export function needsSetup(app: AppState): boolean {
  return SETUP_STATES.includes(app.connection.state);
}

/** Title and explanation of the setup screen. */
export interface SetupCopy {
  title: string;
  lead: string;
  /** Steps for the user, e.g. a command to run. */
  steps: string[];
}

/** The service manager of the platform, as the user knows it. */
export function serviceManager(platform: string): string {
  return platform === 'darwin' ? 'A LaunchDaemon' : 'A systemd unit';
}

/** The copy when the installed service is older than the app (whatever the connection state). */
const UPGRADE_COPY: SetupCopy = {
  title: 'The app needs a newer service',
  lead: 'The installed service is older than this app. Upgrading replaces it; your mesh, identity and settings are kept.',
  steps: [],
};

/** The copy for `app`'s state. */
export function setupCopy(app: AppState): SetupCopy {
  const { state } = app.connection;
  const upgrade = app.install?.action === 'upgrade';
  switch (state) {
    case 'not-installed':
      return { title: 'Set up Cloudroof', lead: 'Cloudroof needs its background service on this computer: it is the part that creates the mesh network.', steps: [] };
    case 'not-running':
      return { title: 'The Cloudroof service is not running', lead: 'The service is installed but does not answer.', steps: [`Start it: ${startServiceCommand(app.platform)}`, 'or reinstall it below.'] };
    case 'permission-denied':
      return {
        title: 'Cloudroof cannot talk to its service yet',
        lead: 'The installer added you to the cloudroof group, but a new group membership only applies after you log in again.',
        steps: ['Log out and log in again (or restart the computer).', `If that does not help: ${addToGroupCommand(app.platform)}, then log in again.`],
      };
    case 'untrusted-socket':
      return {
        title: 'The service’s control socket is not trusted',
        lead: 'The socket is not owned by root, so the app refuses to use it: another program could be pretending to be the service.',
        steps: ['Check who owns it: ls -l /run/cloudroof/', 'Stop whatever created it, then reinstall the service.'],
      };
    case 'incompatible':
      return upgrade ? UPGRADE_COPY : {
        title: 'This app and the service do not match',
        lead: 'The installed service speaks another protocol version than this app.',
        steps: ['Install the app version that matches the service, or reinstall the service with scripts/install.sh.'],
      };
    default:
      return upgrade ? UPGRADE_COPY : { title: 'The service is installed', lead: 'Cloudroof’s service is installed and answering.', steps: [] };
  }
}
