/**
 * The doctor's clock-skew check (issue 8). wgmesh drops envelopes more than 600 s off the
 * receiver's clock, so skew is reported well before that: a warning when the median |skew|
 * exceeds {@link SKEW_WARNING_S}, an error above {@link SKEW_ERROR_S} (the median over each
 * peer's recent messages). When most peers disagree with this machine, its own clock is the
 * suspect (one finding; with a single peer there is no telling, so that counts as most); else
 * each peer that disagrees with the rest is named. Envelopes already dropped as too old or from the future (the packet counters)
 * are shown as evidence: messages that far off never reach the tracker.
 */
import type { DoctorFinding, DoctorSeverity } from '../../shared/protocol';
import { printable } from './node-checks';
import { median, type PeerSkew } from './skew';

/** Median |skew| above which the doctor warns, seconds. */
export const SKEW_WARNING_S = 60;
/** Median |skew| above which the doctor reports an error, seconds (wgmesh's limit is 600). */
export const SKEW_ERROR_S = 300;
/** The fix for skew on this machine. */
export const TIME_SYNC_FIX = 'enable time sync: sudo timedatectl set-ntp true';

function severityOf(absS: number): DoctorSeverity | undefined {
  if (absS > SKEW_ERROR_S) return 'error';
  if (absS > SKEW_WARNING_S) return 'warning';
  return undefined;
}

function direction(skewS: number): string {
  const n = Math.round(Math.abs(skewS));
  return skewS < 0 ? `${n} s behind` : `${n} s ahead of`;
}

/** Drop-counter note: how many envelopes were dropped for their timestamp, or ''. */
function dropNote(dropped: Readonly<Record<string, number>>): string {
  const old = dropped['too-old'] ?? 0;
  const future = dropped['in-future'] ?? 0;
  if (old + future === 0) return '';
  const parts = [old ? `${old} as too old` : '', future ? `${future} as from the future` : ''].filter(Boolean);
  return `since joining, ${parts.join(' and ')} (more than 600 s off this clock)`;
}

/**
 * Findings for the peers' clocks (`peers` from the SkewTracker) and the drop counters
 * (`status().counters.dropped`). No samples and no drops → no finding.
 */
export function checkClockSkew(peers: readonly PeerSkew[], dropped: Readonly<Record<string, number>> = {}): DoctorFinding[] {
  const note = dropNote(dropped);
  const out: DoctorFinding[] = [];
  const skewed = peers.filter((p) => Math.abs(p.medianS) > SKEW_WARNING_S);
  if (skewed.length > 0 && skewed.length * 2 > peers.length) {
    // Most peers disagree with this machine: its own clock is the likely culprit.
    const sev = severityOf(median(peers.map((p) => Math.abs(p.medianS)))) ?? 'warning';
    const names = skewed.slice(0, 5).map((p) => printable(p.hostname) || p.publicKey.slice(0, 8)).join(', ');
    out.push({
      id: 'clock-skew', severity: sev,
      message: `this machine's clock disagrees with its peers: their timestamps are a median ${direction(median(skewed.map((p) => p.medianS)))} this clock ` +
        `(${skewed.length} of ${peers.length} peer${peers.length === 1 ? '' : 's'}: ${names}); wgmesh drops messages more than 600 s off` + (note ? `; envelopes dropped ${note}` : ''),
      fix: `${TIME_SYNC_FIX} (here, or on the peers if only their clocks are wrong)`,
    });
    return out;
  }
  for (const p of skewed) {
    const name = printable(p.hostname) || p.publicKey.slice(0, 8);
    out.push({
      id: 'peer-clock-skew', severity: severityOf(Math.abs(p.medianS)) ?? 'warning',
      message: `the clock of peer ${name} is ${direction(p.medianS)} this one (the other peers agree with this machine)`,
      fix: `on ${name}: ${TIME_SYNC_FIX}`,
    });
  }
  if (note) {
    out.push({ id: 'clock-skew-drops', severity: 'warning', message: `envelopes were dropped for their timestamp ${note}: a peer's clock (or this one) is off by more than 10 minutes, or old messages were replayed`, fix: `on every node: ${TIME_SYNC_FIX}` });
  }
  return out;
}
