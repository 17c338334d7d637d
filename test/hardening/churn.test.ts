// Churn (issue 7): N real cloudroofd nodes in a netns lab, one secret. Node 0 is never touched
// (its RSS is sampled at start and end); node N−1 is killed for good at the start (SIGKILL, cable
// unplugged: no GOODBYE) to watch the store's eviction rules. For D seconds, every 2–5 s, a random
// other node gets a random action: leave (later join again), restart (SIGTERM: GOODBYE, intent
// kept, start rejoins), crash (SIGKILL: wireguard-go and the interface stay for the next start to
// find), or roam (a new address on lan0 in the same /24, the old one deleted). After each action
// we wait until it converged (support/churn-mesh.ts: exact peer lists at current LAN endpoints,
// every pair pings over the mesh) and record the time; the next action waits for convergence or
// the 30 s cap (a miss). Fails on a miss, a stale peer past its eviction time, a node that exits by
// itself, or an identity lost across a restart; convergence above 10 s is only reported (two cores).
// Figures go to results/churn.json. Root only; everything is removed in afterAll.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster } from '../../src/cli/lab/cluster';
import { PEER_ACTIVE_MS, PEER_REMOVE_MS } from '../../src/service/backend/peer-store';
import { generateSecretToken } from '../../src/shared/mesh/secret';
import { netnsSkipReason } from '../netns/support/requirements';
import { ChurnMesh, GOODBYE_BOUND_MS, rssKiB, type ActionKind } from './support/churn-mesh';
import { envInt, RESULTS_DIR } from './support/fuzz';

const canRun = netnsSkipReason('hardening churn', ['wireguard-go', 'ip', 'fping']) === '';
/** Nodes (HARDENING_CHURN_NODES, default 6, at least 4): node 0 untouched, node N−1 killed for good. */
const NODES = Math.max(4, envInt('HARDENING_CHURN_NODES', 6));
/** Seconds of churn (HARDENING_CHURN_SECONDS, default 45; the long run: 20 nodes, 300 s). */
const SECONDS = envInt('HARDENING_CHURN_SECONDS', 45);
/** Seed of the action sequence (HARDENING_CHURN_SEED; timing still varies between runs). */
const SEED = envInt('HARDENING_CHURN_SEED', randomBytes(4).readUInt32BE() >>> 1 || 1);
const TARGET_MS = 10_000;
const CAP_MS = 30_000;
const UNTOUCHED = 0;
const VICTIM = NODES - 1;
const POOL = Array.from({ length: NODES - 2 }, (_, k) => k + 1);
const MAX_LEFT = Math.max(1, Math.floor(POOL.length / 2));
/** The end waits for the victim's eviction deadline when it is at most this far away (the long run). */
const EVICTION_WAIT_MAX_MS = 120_000;

/** mulberry32: a small seeded PRNG, so a sequence of actions can be replayed. */
function prng(seed: number): (lo: number, hi: number) => number {
  let a = seed >>> 0;
  return (lo, hi) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo));
  };
}

interface Stats { count: number; min?: number; median?: number; p90?: number; max?: number }

function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return { count: 0 };
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  const mid = s.length / 2;
  const median = s.length % 2 ? (s[Math.floor(mid)] ?? NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { count: s.length, min: s[0] ?? NaN, median: Math.round(median), p90: rank(0.9), max: s[s.length - 1] ?? NaN };
}

interface Step { n: number; atS: number; kind: ActionKind | 'settle'; node: number; detail: string; actionMs: number; ms: number | null; goodbyeMs?: number; problem?: string }

describe.skipIf(!canRun)(`churn: ${NODES} nodes, ${SECONDS} s (netns, wireguard-go)`, () => {
  let cluster: LabCluster;
  let mesh: ChurnMesh;
  let initialMeshMs: number | null = null;

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: NODES });
    const secretFile = join(cluster.lab.tmpDir, 'secret');
    writeFileSync(secretFile, generateSecretToken() + '\n', { mode: 0o600 });
    const all = Array.from({ length: NODES }, (_, i) => i);
    await Promise.all(all.map((i) => cluster.startNode(i, { readyTimeoutMs: 60_000 })));
    const t0 = Date.now();
    await Promise.all(all.map(async (i) => {
      const r = await cluster.cli(i, ['join', '--secret-file', secretFile], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
    }));
    mesh = new ChurnMesh(cluster, secretFile);
    await mesh.init();
    const c = await mesh.waitConverged(t0, 90_000);
    expect(c.ms, `initial mesh: ${c.problem}`).not.toBeNull();
    initialMeshMs = c.ms;
  }, 300_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it(`random leave/join/restart/crash/roam for ${SECONDS} s: every change converges, no stale peer, no crash, flat RSS`, async () => {
    const pick = prng(SEED);
    const steps: Step[] = [];
    const errors: string[] = [];
    const identityLost: string[] = [];
    const pid0 = cluster.pid(UNTOUCHED)!;
    const rssStart = rssKiB(pid0);
    let rssMax = rssStart;
    const load = [loadavg()[0]];
    await mesh.killForGood(VICTIM, PEER_ACTIVE_MS);
    const start = Date.now();
    const end = start + SECONDS * 1000;
    const record = (s: Omit<Step, 'n' | 'atS'>, t0: number) => {
      const step = { n: steps.length + 1, atS: Number(((t0 - start) / 1000).toFixed(1)), ...s };
      steps.push(step);
      rssMax = Math.max(rssMax, rssKiB(pid0));
      console.log(`[churn] #${step.n} t=${step.atS}s ${s.kind} n${s.node} ${s.detail} → ${s.ms === null ? `MISS (${s.problem})` : `${s.ms} ms`}`);
    };
    const act = async (kind: ActionKind, i: number): Promise<void> => {
      const t0 = Date.now();
      let detail: string;
      try {
        detail = await (kind === 'leave' ? mesh.leave(i) : kind === 'join' ? mesh.join(i)
          : kind === 'restart' ? mesh.restart(i, pick(0, 1000)) : kind === 'crash' ? mesh.crash(i, pick(0, 1000)) : mesh.roam(i, pick));
      } catch (err) {
        errors.push(`${kind} n${i}: ${(err as Error).message}`);
        return;
      }
      const actionMs = Date.now() - t0;
      const c = await mesh.waitConverged(t0, CAP_MS, kind === 'leave' ? i : undefined);
      if (kind !== 'leave' && kind !== 'roam' && !(await mesh.identityKept(i).catch(() => false))) identityLost.push(`${kind} n${i}`);
      record({ kind, node: i, detail, actionMs, ms: c.ms, ...(c.goodbyeMs === undefined ? {} : { goodbyeMs: c.goodbyeMs }), ...(c.ms === null ? { problem: c.problem } : {}) }, t0);
    };

    let nextAt = start;
    while (Date.now() < end && errors.length === 0) {
      await sleep(Math.max(0, nextAt - Date.now()));
      // Still converged since the last action? A regression (e.g. a peer resurrected) is recorded on its own.
      const t = Date.now();
      const ev = await mesh.evaluate(t);
      if (ev.problems.length > 0) {
        const c = await mesh.waitConverged(t, CAP_MS);
        record({ kind: 'settle', node: -1, detail: ev.problems.slice(0, 3).join('; '), actionMs: 0, ms: c.ms, ...(c.ms === null ? { problem: c.problem } : {}) }, t);
      }
      const i = POOL[pick(0, POOL.length)]!;
      const left = POOL.filter((k) => !mesh.nodes[k]!.joined).length;
      const kinds: ActionKind[] = left < MAX_LEFT ? ['leave', 'restart', 'crash', 'roam'] : ['restart', 'crash', 'roam'];
      const tAct = Date.now();
      await act(mesh.nodes[i]!.joined ? kinds[pick(0, kinds.length)]! : 'join', i);
      nextAt = tAct + pick(2000, 5001);
    }
    for (const i of POOL) if (mesh.nodes[i]!.running && !mesh.nodes[i]!.joined && errors.length === 0) await act('join', i);
    const churnS = Math.round((Date.now() - start) / 1000);

    // The victim: listed (inactive after PEER_ACTIVE_MS) until its deadline; the long run waits for it.
    const v = mesh.victim!;
    const listersNow = Object.entries((await mesh.evaluate(Date.now())).listing).filter(([, l]) => l.includes(`n${VICTIM}`)).map(([k]) => k);
    const waitMs = v.listedUntil + 1000 - Date.now();
    let listersAfterDeadline: string[] | null = null;
    if (waitMs <= EVICTION_WAIT_MAX_MS) {
      await sleep(Math.max(0, waitMs));
      const after = await mesh.evaluate(Date.now());
      listersAfterDeadline = Object.entries(after.listing).filter(([, l]) => l.includes(`n${VICTIM}`)).map(([k]) => k);
    }

    const rssEnd = rssKiB(pid0);
    load.push(loadavg()[0]);
    const unexpectedExits = mesh.nodes.flatMap((n, i) => (i !== VICTIM && n.running && !cluster.isRunning(i) ? [`n${i}`] : []));
    const wgProcs = Object.fromEntries(mesh.nodes.map((_, i) => [`n${i}`, countProcs(`wireguard-go -f ${cluster.interfaceName(i)}`)]));
    const errorLogs = Object.fromEntries(mesh.nodes.map((_, i) => [`n${i}`, errorLines(cluster.lab.readLog(i, 'cloudroofd'))]).filter(([, e]) => (e as string[]).length > 0));
    const done = steps.filter((s) => s.kind !== 'settle');
    const times = steps.flatMap((s) => (s.ms === null ? [] : [s.ms]));
    const byKind = Object.fromEntries((['leave', 'join', 'restart', 'crash', 'roam', 'settle'] as const).map((k) => {
      const of = steps.filter((s) => s.kind === k);
      return [k, { actions: of.length, ...stats(of.flatMap((s) => (s.ms === null ? [] : [s.ms]))), misses: of.filter((s) => s.ms === null).length }];
    }));
    const figures = {
      suite: 'churn', at: new Date().toISOString(), nodes: NODES, seconds: SECONDS, churnSeconds: churnS, seed: SEED,
      targetMs: TARGET_MS, capMs: CAP_MS, untouched: `n${UNTOUCHED}`, victim: `n${VICTIM}`, initialMeshMs,
      note: 'wall-clock times on a shared 2-core machine (other suites may run at the same time): noisy',
      loadAverage1m: { start: load[0], end: load[1] },
      actions: Object.fromEntries(Object.entries(byKind).map(([k, b]) => [k, b.actions])),
      convergenceMs: { ...stats(times), over10s: times.filter((x) => x > TARGET_MS).length, misses: steps.filter((s) => s.ms === null).length },
      byKind,
      goodbyeDropMs: stats(done.flatMap((s) => (s.goodbyeMs === undefined ? [] : [s.goodbyeMs]))),
      stalePeers: mesh.stale,
      awayDuringGoodbye: [...mesh.awayDuringGoodbye],
      evictionRules: { peerActiveMs: PEER_ACTIVE_MS, peerRemoveMs: PEER_REMOVE_MS, goodbyeBoundMs: GOODBYE_BOUND_MS },
      victimListing: { killedSecondsAgo: Math.round((Date.now() - v.killedAt) / 1000), listedBy: listersNow, listedByAfterDeadline: listersAfterDeadline },
      rssKiB: { start: rssStart, end: rssEnd, max: rssMax, growthMiB: Number(((rssEnd - rssStart) / 1024).toFixed(1)) },
      untouchedRunning: cluster.pid(UNTOUCHED) === pid0, unexpectedExits, identityLost, actionErrors: errors,
      wireguardGoProcesses: wgProcs, errorLogLines: errorLogs,
      steps,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'churn.json'), JSON.stringify(figures, null, 2) + '\n');
    const { steps: _s, ...summary } = figures;
    console.log(`[hardening] churn: ${JSON.stringify(summary)}`);
    const median = figures.convergenceMs.median;
    if (median !== undefined && median > TARGET_MS) console.warn(`[hardening] churn: median convergence ${median} ms is above the ${TARGET_MS} ms target`);

    expect(errors, 'actions that failed').toEqual([]);
    expect(figures.untouchedRunning, 'the untouched node 0 still runs with the same PID').toBe(true);
    expect(unexpectedExits, 'nodes that exited by themselves').toEqual([]);
    expect(identityLost, 'nodes that came back with another key or mesh IP').toEqual([]);
    expect(steps.filter((s) => s.ms === null).map((s) => `#${s.n} ${s.kind} n${s.node}: ${s.problem}`), 'misses').toEqual([]);
    expect(mesh.stale, 'stale peers past their eviction time').toEqual([]);
    expect(done.length).toBeGreaterThan(0);
  }, SECONDS * 1000 + (MAX_LEFT + 3) * (CAP_MS + 30_000) + EVICTION_WAIT_MAX_MS + 60_000);

  // The churn's stale peers, replayed on purpose: node a's peer cache (written when it stops) still
  // holds b after b left with GOODBYE; a crash (no new cache written) or a rejoin restores b.
  it('a peer that left is not brought back by a crashed or rejoining node\'s peer cache', async () => {
    const [a, b] = [POOL[0]!, POOL[1]!];
    const staleBefore = mesh.stale.length;
    const settle = async (what: string) => {
      const c = await mesh.waitConverged(Date.now(), CAP_MS);
      expect(c.ms, `${what}: ${c.problem}`).not.toBeNull();
    };
    const listersOf = async (j: number) => Object.entries((await mesh.evaluate(Date.now())).listing)
      .filter(([, l]) => l.includes(`n${j}`)).map(([k]) => k);
    await settle('before');
    await mesh.restart(a, 0);
    await settle(`n${a} restarted (its cache now lists n${b})`);
    await mesh.leave(b);
    await settle(`n${b} left`);
    await mesh.crash(a, 0);
    await settle(`n${a} crashed and started again`);
    await sleep(3000);
    const afterCrash = await listersOf(b);
    await mesh.join(b);
    await settle(`n${b} joined again`);
    await mesh.leave(a);
    await settle(`n${a} left (its cache lists n${b})`);
    await mesh.leave(b);
    await settle(`n${b} left`);
    await mesh.join(a);
    await settle(`n${a} joined again`);
    await sleep(3000);
    const afterRejoin = await listersOf(b);
    await mesh.join(b);
    await settle(`n${b} joined again`);
    const found = { a: `n${a}`, b: `n${b}`, afterCrash, afterRejoin, stalePeers: mesh.stale.slice(staleBefore) };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'churn-resurrection.json'), JSON.stringify({ suite: 'churn-resurrection', at: new Date().toISOString(), ...found }, null, 2) + '\n');
    console.log(`[hardening] churn resurrection: ${JSON.stringify(found)}`);
    // After a crash, the node had heard the GOODBYE and persisted it: nobody lists the peer.
    // After the rejoin, the node that was away during the GOODBYE still lists it from its own
    // cache until the peer's entry expires (5 min; Go evicts such peers with its health probes,
    // spec 4.7, which Cloudroof does not have yet: HARDENING.md, README "Not done yet"); but the
    // others, who heard the GOODBYE, must refuse it second-hand from that node's known_peers.
    expect({ afterCrash, afterRejoin: afterRejoin.filter((n) => n !== `n${a}`) }, `nodes listing n${b} after it left`)
      .toEqual({ afterCrash: [], afterRejoin: [] });
  }, 12 * (CAP_MS + 30_000));
});

/** Processes whose whole command line is `cmdline` (pgrep -fx; reading only). */
function countProcs(cmdline: string): number {
  try {
    return execFileSync('pgrep', ['-fx', cmdline], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

/** Messages of error-level lines in a JSON-lines service log, with counts. */
function errorLines(log: string): string[] {
  const counts = new Map<string, number>();
  for (const line of log.split('\n')) {
    if (!line.includes('"level":"error"')) continue;
    const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 120);
    counts.set(msg, (counts.get(msg) ?? 0) + 1);
  }
  return [...counts].map(([m, c]) => `${c}× ${m}`);
}
