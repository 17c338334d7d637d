/**
 * What a failure to reach cloudroofd means for the user: the client's errors (src/client)
 * mapped to a {@link ConnectionState} with a message that says what to do, per platform. Pure
 * except for the injected "is a service installed" check.
 */
import { ClientError } from '../client/transport';
import { ControlError, PROTOCOL_VERSION, type VersionInfo } from '../shared/protocol';
import { addToGroupCommand, startServiceCommand, type ConnectionState } from '../shared/ipc';

/** A failure main reports with a kebab-case code (kept by the IPC layer) and a safe message. */
export class ConnectionError extends Error {
  constructor(readonly code: ConnectionState['state'], message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/** The state for a service that answers with protocol `v.protocolVersion` ≠ ours. */
export function incompatibleState(v: VersionInfo): ConnectionState {
  const older = v.protocolVersion < PROTOCOL_VERSION;
  const message = older
    ? `The installed service (cloudroofd ${v.version}) speaks control protocol ${v.protocolVersion}, but this app needs protocol ${PROTOCOL_VERSION}. Update the service: reinstall it from the app's setup screen.`
    : `The installed service (cloudroofd ${v.version}) speaks control protocol ${v.protocolVersion}, newer than this app's ${PROTOCOL_VERSION}. Update the app to drive it.`;
  return { state: 'incompatible', message, serviceVersion: v.version, serviceProtocol: v.protocolVersion };
}

/** Options of {@link connectionFailure}. */
export interface FailureContext {
  socketPath: string;
  platform: string;
  /** Whether a service unit (or launchd plist) exists on this machine. */
  serviceInstalled: () => Promise<boolean>;
}

/** Maps a failed connect, version check or watch to the state the app shows. */
export async function connectionFailure(err: unknown, ctx: FailureContext): Promise<ConnectionState> {
  if (err instanceof ClientError) {
    switch (err.code) {
      case 'not-running':
        if (err.errno === 'ENOENT' && !(await ctx.serviceInstalled().catch(() => false))) {
          return { state: 'not-installed', message: 'The Cloudroof service is not installed on this computer.' };
        }
        return { state: 'not-running', message: `The Cloudroof service is installed but not running (nothing answers on ${ctx.socketPath}). Start it with: ${startServiceCommand(ctx.platform)}` };
      case 'permission-denied':
        return {
          state: 'permission-denied',
          message: `You may not use the service's socket (${ctx.socketPath}) yet. If the service was just installed, log out and in again: your account was added to the cloudroof group. Otherwise add it with: ${addToGroupCommand(ctx.platform)}, then log out and in.`,
        };
      case 'untrusted-socket':
        return { state: 'untrusted-socket', message: `${err.message}. Something other than the Cloudroof service may be listening there.` };
      default:
        return { state: 'error', message: err.message };
    }
  }
  if (err instanceof ControlError) return { state: 'error', message: err.message };
  return { state: 'error', message: 'Unexpected failure talking to the service.' };
}

/** Doubles `delay` up to `max` (the reconnect backoff: 0.5 s, 1 s, 2 s … 30 s). */
export function nextDelay(delay: number, max: number): number {
  return Math.min(delay * 2, max);
}
