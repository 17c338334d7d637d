// The model and the measurements behind churn.test.ts: which lab nodes run and are joined, with
// their keys, mesh IPv4 and current LAN address; the churn actions (leave, join, SIGTERM restart,
// SIGKILL crash, roaming to a new LAN address); and "converged": every running, joined node lists
// exactly the other running, joined nodes as peers (each at its current LAN address) and every
// pair pings over the mesh. Peer lists are read from the control API over each node's Unix
// socket: a CLI per poll would add a Node start-up per node per poll and blur the figures.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabCluster } from '../../../src/cli/lab/cluster';
import { execChecked } from '../../../src/cli/lab/exec';
import { mapLimited } from '../../../src/cli/lab/mesh-check';
import { LAN_INTERFACE } from '../../../src/cli/lab/netns-lab';

/** What one churn step does to a node. */
export type ActionKind = 'leave' | 'join' | 'restart' | 'crash' | 'roam';

/**
 * A listed peer that should have been gone by now, once per listener, peer and departure:
 * how long after the departure it was first and last seen listed, and how the listener's
 * store says it learned the peer (`discoveredVia`, `lastSeen` age) when first seen.
 */
export interface StalePeer {
  listener: string; peer: string; reason: string; firstAgeMs: number; lastAgeMs: number; observations: number;
  discoveredVia: string[]; lastSeenAgoMs: number;
}

/** What the test knows about one node. */
export interface NodeModel {
  key: string; meshIPv4: string; lanIp: string; running: boolean; joined: boolean; departedAt?: number;
  /** The members when it last said GOODBYE: only they can know it left. */
  goodbyeHeardBy?: Set<number>;
}

/** Result of waiting for convergence: `ms` is null on a miss (the cap passed). */
export interface Convergence { ms: number | null; problem: string; goodbyeMs?: number }

interface ApiPeer { publicKey: string; endpoint?: string; discoveredVia?: string[]; lastSeen?: number }
interface ApiStatus { publicKey?: string; meshIPv4?: string }

/** How the victim's listing deadline is made up (for the stale-peer record). */
const PEER_LISTED_NOTE = 'kill + PEER_ACTIVE_MS + 10 s';

/** A peer that left with GOODBYE must be gone from every list this soon ("at once", with polling slack). */
export const GOODBYE_BOUND_MS = 5000;

/** GET a JSON endpoint of the service at `socketPath`; rejects on a 4xx/5xx, bad JSON or a timeout. */
export function apiGet<T>(socketPath: string, path: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: 'GET', path, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        try {
          if ((res.statusCode ?? 500) >= 400) throw new Error(`GET ${path}: ${res.statusCode} ${text.slice(0, 200)}`);
          resolve(JSON.parse(text) as T);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** VmRSS of a process in KiB (NaN if it is gone). */
export function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

const hostOf = (endpoint: string | undefined): string => endpoint?.replace(/^\[/, '').replace(/\]?:\d+$/, '') ?? '';

/** The lab's nodes as the churn sees them; see the module comment. */
export class ChurnMesh {
  readonly nodes: NodeModel[] = [];
  /** Stale peers found so far (each listener, peer and departure once). */
  readonly stale: StalePeer[] = [];
  /** `listener→peer` pairs where the listener was away when the peer said GOODBYE (a known gap). */
  readonly awayDuringGoodbye = new Set<string>();
  /** A node killed for good, tolerated in peer lists until `listedUntil` (unix ms). */
  victim: { index: number; killedAt: number; listedUntil: number } | undefined;
  private readonly staleSeen = new Map<string, StalePeer>();
  /** Departed nodes seen absent from every list since they left (a later listing is a resurrection). */
  private readonly vanished = new Set<number>();

  constructor(readonly cluster: LabCluster, private readonly secretFile: string) {}

  /** Records key, mesh IPv4 and LAN address of every node (all running and joined). */
  async init(): Promise<void> {
    for (let i = 0; i < this.cluster.size; i++) {
      const s = await apiGet<ApiStatus>(this.cluster.socketPath(i), '/v1/status');
      if (!s.publicKey || !s.meshIPv4) throw new Error(`node ${i}: status has no key or mesh IPv4 after join`);
      this.nodes.push({ key: s.publicKey, meshIPv4: s.meshIPv4, lanIp: this.cluster.lab.lanIp(i), running: true, joined: true });
    }
  }

  /** Indices of running, joined nodes. */
  members(): number[] {
    return this.nodes.flatMap((n, i) => (n.running && n.joined ? [i] : []));
  }

  /** `cloudroof leave`: GOODBYE to every peer, interface gone, intent cleared. */
  async leave(i: number): Promise<string> {
    const r = await this.cluster.cli(i, ['leave']);
    if (r.code !== 0) throw new Error(`leave on node ${i} failed (exit ${r.code}): ${r.stderr.trim()}`);
    Object.assign(this.node(i), { joined: false, departedAt: Date.now(), goodbyeHeardBy: new Set(this.members().filter((m) => m !== i)) });
    this.vanished.delete(i);
    return '';
  }

  /** `cloudroof join --secret-file` with the mesh's secret. */
  async join(i: number): Promise<string> {
    const r = await this.cluster.cli(i, ['join', '--secret-file', this.secretFile]);
    if (r.code !== 0) throw new Error(`join on node ${i} failed (exit ${r.code}): ${r.stderr.trim()}`);
    Object.assign(this.node(i), { joined: true, departedAt: undefined });
    this.vanished.delete(i);
    return '';
  }

  /** SIGTERM (GOODBYE, interface removed, intent kept), a pause of `pauseMs`, start: it rejoins by itself. */
  async restart(i: number, pauseMs: number): Promise<string> {
    const n = this.node(i);
    n.departedAt = Date.now();
    n.goodbyeHeardBy = new Set(this.members().filter((m) => m !== i));
    const status = await this.cluster.stopNode(i, 'SIGTERM');
    n.running = false;
    if (status !== 0) throw new Error(`node ${i} exited with ${String(status)} on SIGTERM`);
    await sleep(pauseMs);
    await this.cluster.startNode(i);
    Object.assign(n, { running: true, departedAt: undefined });
    this.vanished.delete(i);
    return `pause ${pauseMs} ms`;
  }

  /** SIGKILL to cloudroofd alone (wireguard-go and the interface stay behind), a pause, start again. */
  async crash(i: number, pauseMs: number): Promise<string> {
    const n = this.node(i);
    await this.cluster.killNode(i);
    n.running = false;
    await sleep(pauseMs);
    await this.cluster.startNode(i);
    n.running = true;
    return `pause ${pauseMs} ms`;
  }

  /**
   * Roaming: a new free address in the LAN's /24 on lan0, then the old one deleted. Secondary
   * promotion is switched on first: deleting a primary address would otherwise delete the new
   * (secondary) one with it, and the last address gone flushes the default route.
   */
  async roam(i: number, pick: (lo: number, hi: number) => number): Promise<string> {
    const lab = this.cluster.lab;
    const n = this.node(i);
    const used = new Set([...this.nodes.map((m) => m.lanIp), ...this.nodes.map((_, k) => lab.lanIp(k))]);
    let next: string;
    do next = `192.168.${lab.subnet}.${pick(100, 251)}`; while (used.has(next));
    const old = n.lanIp;
    await execChecked('ip', ['netns', 'exec', lab.nodeNs(i), 'sysctl', '-qw', `net.ipv4.conf.${LAN_INTERFACE}.promote_secondaries=1`]);
    await execChecked('ip', ['-n', lab.nodeNs(i), '-batch', '-'], {
      input: [`addr replace ${next}/24 dev ${LAN_INTERFACE}`, `addr del ${old}/24 dev ${LAN_INTERFACE}`,
        `route replace default dev ${LAN_INTERFACE}`].join('\n') + '\n',
    });
    n.lanIp = next;
    return `${old} → ${next}`;
  }

  /** Kills node `i` for good: SIGKILL (no GOODBYE) and its cable unplugged, so its orphaned wireguard-go is silent too. */
  async killForGood(i: number, activeMs: number): Promise<void> {
    await this.cluster.killNode(i);
    await this.cluster.lab.setLinkDown(i);
    const killedAt = Date.now();
    this.node(i).running = false;
    // It was last heard at most at killedAt; 10 s of slack for the polling.
    this.victim = { index: i, killedAt, listedUntil: killedAt + activeMs + 10_000 };
  }

  /** Whether `i`'s key and mesh IPv4 are still the ones it joined with (identity kept across restarts). */
  async identityKept(i: number): Promise<boolean> {
    const s = await apiGet<ApiStatus>(this.cluster.socketPath(i), '/v1/status');
    return s.publicKey === this.node(i).key && s.meshIPv4 === this.node(i).meshIPv4;
  }

  /**
   * Polls until converged (see the module comment) or `capMs` after `t0` passed. Pings start once
   * the peer lists are right; a pair that answered once counts (the set resets if the lists go
   * wrong again). `departed`: also measure when that node vanished from every list.
   */
  async waitConverged(t0: number, capMs: number, departed?: number): Promise<Convergence> {
    let pending: Map<number, Set<string>> | undefined;
    let problem = '';
    let goodbyeMs: number | undefined;
    while (Date.now() - t0 < capMs) {
      const now = Date.now();
      const ev = await this.evaluate(now, departed);
      if (departed !== undefined && goodbyeMs === undefined && !ev.departedListed) goodbyeMs = now - t0;
      if (ev.problems.length > 0) {
        problem = `${ev.problems.length} problem(s): ${ev.problems.slice(0, 4).join('; ')}`;
        pending = undefined;
        await sleep(200);
        continue;
      }
      pending ??= this.allPairs();
      await this.pingRound(pending);
      const left = [...pending.values()].reduce((a, s) => a + s.size, 0);
      if (left === 0) return { ms: Date.now() - t0, problem: '', ...(goodbyeMs === undefined ? {} : { goodbyeMs }) };
      const [from, ips] = [...pending].find(([, s]) => s.size > 0)!;
      problem = `${left} pair(s) do not ping yet, e.g. n${from} → ${[...ips][0]}`;
    }
    return { ms: null, problem, ...(goodbyeMs === undefined ? {} : { goodbyeMs }) };
  }

  /** One look at every member's peer list: what is wrong (empty = lists converged). Notes stale peers. */
  async evaluate(now: number, departed?: number): Promise<{ problems: string[]; departedListed: boolean; listing: Record<string, string[]> }> {
    const members = this.members();
    const lists = await Promise.all(members.map((i) => apiGet<{ peers: ApiPeer[] }>(this.cluster.socketPath(i), '/v1/peers')
      .then((r) => r.peers, (e: Error) => e)));
    const problems: string[] = [];
    const listing: Record<string, string[]> = {};
    let departedListed = false;
    members.forEach((i, k) => {
      const list = lists[k];
      if (list === undefined || list instanceof Error) return void problems.push(`n${i}: ${list?.message ?? 'no answer'}`);
      const byKey = new Map(list.map((p) => [p.publicKey, p]));
      listing[`n${i}`] = list.map((p) => this.name(p.publicKey));
      for (const j of members) {
        if (j === i) continue;
        const p = byKey.get(this.node(j).key);
        if (!p) problems.push(`n${i} misses n${j}`);
        else if (hostOf(p.endpoint) !== this.node(j).lanIp) problems.push(`n${i} sees n${j} at ${p.endpoint ?? '(no endpoint)'}, not ${this.node(j).lanIp}`);
      }
      for (const p of list) {
        const j = this.nodes.findIndex((m) => m.key === p.publicKey);
        if (members.includes(j)) continue;
        if (j === departed) departedListed = true;
        const why = this.extra(i, j, p, now);
        if (why) problems.push(why);
      }
    });
    if (!lists.some((l) => l instanceof Error)) {
      const listed = new Set(Object.values(listing).flat());
      this.nodes.forEach((n, j) => { if (n.departedAt !== undefined && !listed.has(`n${j}`)) this.vanished.add(j); });
    }
    return { problems, departedListed, listing };
  }

  /**
   * Why a non-member listed by `i` keeps the lists from converging (undefined: it does not). A
   * departed node past {@link GOODBYE_BOUND_MS}, or the victim past its deadline, is noted as a
   * stale peer instead, and from then on tolerated, so that one stale peer does not turn every
   * later action into a miss (the test fails on stale peers on their own).
   */
  private extra(i: number, j: number, p: ApiPeer, now: number): string | undefined {
    const v = this.victim;
    if (v && j === v.index) {
      if (now > v.listedUntil) this.noteStale(i, p, `killed for good, listed past ${PEER_LISTED_NOTE}`, now - v.killedAt, v.killedAt, now);
      return undefined;
    }
    const at = j >= 0 ? this.node(j).departedAt : undefined;
    // A listener that was away when the GOODBYE went out cannot know: its own cache lists the
    // peer until the entry expires (no health probes yet, spec 4.7). Counted, not a failure.
    if (at !== undefined && !(this.node(j).goodbyeHeardBy?.has(i) ?? true)) {
      this.awayDuringGoodbye.add(`n${i}→${this.name(p.publicKey)}`);
      return undefined;
    }
    if (at !== undefined && now - at <= GOODBYE_BOUND_MS) return `n${i} lists ${this.name(p.publicKey)}, not a member (left ${now - at} ms ago)`;
    const reason = at === undefined ? 'not a lab node, or never departed'
      : this.vanished.has(j) ? 'left with GOODBYE, dropped, then listed again' : 'left with GOODBYE, never dropped';
    this.noteStale(i, p, reason, at === undefined ? -1 : now - at, at ?? 0, now);
    return undefined;
  }

  private noteStale(i: number, p: ApiPeer, reason: string, ageMs: number, episode: number, now: number): void {
    const id = `${i}|${p.publicKey}|${episode}`;
    const known = this.staleSeen.get(id);
    if (known) {
      known.lastAgeMs = ageMs;
      known.observations++;
      return;
    }
    const rec: StalePeer = {
      listener: `n${i}`, peer: this.name(p.publicKey), reason, firstAgeMs: ageMs, lastAgeMs: ageMs, observations: 1,
      discoveredVia: p.discoveredVia ?? [], lastSeenAgoMs: p.lastSeen === undefined ? -1 : now - p.lastSeen,
    };
    this.staleSeen.set(id, rec);
    this.stale.push(rec);
  }

  /** Every member's mesh IPv4s to reach, per source member. */
  private allPairs(): Map<number, Set<string>> {
    const m = this.members();
    return new Map(m.map((i) => [i, new Set(m.filter((j) => j !== i).map((j) => this.node(j).meshIPv4))]));
  }

  /** One fping per source (one echo each, 300 ms); answered targets leave `pending`. */
  private async pingRound(pending: Map<number, Set<string>>): Promise<void> {
    const sources = [...pending].filter(([, s]) => s.size > 0);
    await mapLimited(sources, 6, async ([i, targets]) => {
      const r = await this.cluster.lab.exec(i, ['fping', '-a', '-r', '0', '-t', '300', ...targets], { timeoutMs: 10_000 });
      for (const ip of r.stdout.split('\n').map((l) => l.trim())) targets.delete(ip);
    });
  }

  private name(key: string): string {
    const j = this.nodes.findIndex((m) => m.key === key);
    return j >= 0 ? `n${j}` : `key ${key.slice(0, 8)}`;
  }

  private node(i: number): NodeModel {
    const n = this.nodes[i];
    if (!n) throw new Error(`no node ${i}`);
    return n;
  }
}
