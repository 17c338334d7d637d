/**
 * The CLI's half of `cloudroof doctor` (issue 8): whether cloudroofd runs and this user may
 * talk to it, and whether the CLI and the service are the same version and speak the same
 * protocol. Findings have the shape of the service's (`DoctorFinding`), so both halves print
 * and serialise alike.
 */
import { ControlError, PROTOCOL_VERSION, type DoctorFinding, type DoctorReport, type VersionInfo } from '../../shared/protocol';
import type { ControlClient } from '../../client/control-client';
import { ClientError } from '../../client/transport';

/** What the CLI side found: its findings, and the service's report when it could be fetched. */
export interface LocalDoctorResult {
  findings: DoctorFinding[];
  checked: string[];
  report?: DoctorReport;
}

const RESTART = 'sudo systemctl restart cloudroofd';

/** The finding for a failure to reach the service (socket missing, stale, forbidden, silent…). */
export function unreachableFinding(err: unknown, socketPath: string): DoctorFinding {
  if (err instanceof ClientError) {
    if (err.errno === 'ENOENT') {
      return { id: 'service-not-running', severity: 'error', message: `cloudroofd is not running (no socket at ${socketPath})`, fix: 'sudo systemctl start cloudroofd' };
    }
    if (err.errno === 'ECONNREFUSED') {
      return {
        id: 'service-stale-socket', severity: 'error',
        message: `a stale socket is left at ${socketPath}: nothing answers on it (cloudroofd crashed or was killed)`,
        fix: `${RESTART} (it replaces the stale socket)`,
      };
    }
    if (err.code === 'permission-denied') {
      return {
        id: 'socket-permission-denied', severity: 'error', message: `permission denied on ${socketPath}`,
        fix: 'add yourself to the cloudroof group: sudo usermod -aG cloudroof $USER, then log in again (or run cloudroof with sudo)',
      };
    }
    if (err.code === 'untrusted-socket') {
      return { id: 'socket-untrusted', severity: 'error', message: err.message, fix: `check who created ${socketPath}; cloudroofd's socket is owned by root. Then: ${RESTART}` };
    }
    if (err.code === 'timeout') {
      return { id: 'service-not-answering', severity: 'error', message: `cloudroofd accepts connections on ${socketPath} but does not answer`, fix: `${RESTART}; if it keeps hanging: journalctl -u cloudroofd` };
    }
  }
  const msg = err instanceof Error ? err.message : String(err);
  return { id: 'service-unreachable', severity: 'error', message: `cannot talk to cloudroofd: ${msg}`, fix: `${RESTART}; see journalctl -u cloudroofd` };
}

/** Findings comparing this CLI with the running service. */
export function versionFindings(service: VersionInfo, cliVersion: string): DoctorFinding[] {
  const out: DoctorFinding[] = [];
  if (service.protocolVersion !== PROTOCOL_VERSION) {
    out.push({
      id: 'protocol-mismatch', severity: 'error',
      message: `this CLI speaks control protocol ${PROTOCOL_VERSION} but cloudroofd speaks ${service.protocolVersion}`,
      fix: `install the same version of cloudroof and cloudroofd, then: ${RESTART}`,
    });
  }
  if (service.version !== cliVersion) {
    out.push({
      id: 'version-mismatch', severity: 'warning',
      message: `cloudroof is version ${cliVersion} but the running cloudroofd is ${service.version}`,
      fix: `${RESTART} (a service started before an upgrade keeps running the old version)`,
    });
  }
  return out;
}

/**
 * Runs the CLI-side checks and, when the service answers, fetches its report. Never throws:
 * every failure is a finding.
 */
export async function runLocalChecks(client: ControlClient, socketPath: string, cliVersion: string): Promise<LocalDoctorResult> {
  const checked = ['service'];
  let service: VersionInfo;
  try {
    service = await client.call('version');
  } catch (err) {
    return { findings: [unreachableFinding(err, socketPath)], checked };
  }
  checked.push('versions');
  const findings = versionFindings(service, cliVersion);
  try {
    return { findings, checked, report: await client.call('doctor') };
  } catch (err) {
    const older = err instanceof ControlError && err.code === 'not-found';
    findings.push(older
      ? { id: 'service-too-old', severity: 'warning', message: `cloudroofd ${service.version} has no doctor endpoint; only the CLI-side checks ran`, fix: `upgrade cloudroofd, then: ${RESTART}` }
      : { ...unreachableFinding(err, socketPath), id: 'doctor-failed', message: `the service's checks failed: ${err instanceof Error ? err.message : String(err)}` });
    return { findings, checked };
  }
}
