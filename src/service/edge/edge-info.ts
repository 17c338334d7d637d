/**
 * Edge capability reports (issue 6), the sending side: every node in edge mode tells every peer
 * what it can do whatever it serves — nginx, its last config, ports, certificate directory, ACME
 * webroot and the hostnames it holds a certificate for — so an origin can list the mesh's edges
 * (`GET /v1/edges`) and verify a site through them.
 *
 * Lifecycle of {@link EdgeInfoReporter}: `tick()` every 5 s rescans and sends to every peer;
 * `changed()` (the edge's state changed) rescans and sends at once when the report differs
 * (bursts coalesce into one scan); `announce()` resends the current report (a new peer). When
 * edge mode has ended (the `edge` getter answers undefined) or on `withdraw()`, one last report
 * with config state `off` lets receivers drop this edge at once. Scans are serialised, so an
 * older scan never overwrites a newer one.
 */
import type { MeshEdge } from '../../shared/protocol';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { SerialQueue } from '../serial-queue';
import { EDGE_INFO_TYPE, encodeEdgeInfo, type EdgeInfo } from '../mesh/site-messages';
import type { SitePeer } from '../origin/origin-manager';
import { scanCertificates } from './certificates';
import type { EdgeManager } from './edge-manager';

/** What an edge reports about itself (an {@link EdgeInfo} without sender and sequence). */
export type EdgeCapabilities = Omit<EdgeInfo, 'wgPubkey' | 'seq'>;

/** The capabilities of a running edge, with a fresh scan of its certificate directory. */
export async function edgeCapabilities(m: EdgeManager): Promise<EdgeCapabilities> {
  const st = m.state();
  const s = st.settings;
  const certDir = s?.certDir ?? '/';
  return {
    nginx: { available: st.nginx.available, running: st.nginx.running, ...(st.nginx.error ? { error: st.nginx.error } : {}) },
    config: { state: st.config.state, ...(st.config.lastError ? { lastError: st.config.lastError } : {}) },
    httpPort: s?.httpPort ?? 80, httpsPort: s?.httpsPort ?? 443, certDir, acmeWebroot: m.acmeWebroot,
    certificates: s ? await scanCertificates(certDir) : [],
  };
}

/** The API's view of an edge: its capabilities, who it is, and when it reported (Unix ms). */
export function toMeshEdge(c: EdgeCapabilities, peer: SitePeer, reportedAt: number): MeshEdge {
  return {
    publicKey: peer.publicKey, ...(peer.hostname ? { hostname: peer.hostname } : {}), ...(peer.meshIp ? { meshIPv4: peer.meshIp } : {}),
    nginx: { ...c.nginx }, config: { ...c.config }, httpPort: c.httpPort, httpsPort: c.httpsPort, certDir: c.certDir,
    ...(c.acmeWebroot ? { acmeWebroot: c.acmeWebroot } : {}), certificates: [...c.certificates], reportedAt,
  };
}

/** What the reporter needs. */
export interface EdgeInfoReporterDeps {
  publicKey: string;
  clock: Clock;
  send: (type: string, plaintext: string, toIp: string) => void;
  /** The peers to report to (not this node). */
  peers: () => SitePeer[];
  /** The edge manager while in edge mode. */
  edge: () => EdgeManager | undefined;
  /** Told when a scan fails (the report is then not sent). */
  logger?: Logger;
  /** Default {@link edgeCapabilities} (tests inject their own). */
  capabilities?: (m: EdgeManager) => Promise<EdgeCapabilities>;
}

/** Sends this edge's capability report to every peer; see the module comment. */
export class EdgeInfoReporter {
  private current: EdgeCapabilities | undefined;
  private seq: number;
  private readonly queue = new SerialQueue();
  private changeQueued: Promise<void> | undefined;

  constructor(private readonly d: EdgeInfoReporterDeps) {
    this.seq = d.clock.now();
  }

  /** This edge's current capabilities, or undefined when not in edge mode. */
  local(): EdgeCapabilities | undefined {
    return this.current;
  }

  /** The periodic report: rescan, then send to every peer (or withdraw when edge mode ended). */
  tick(): Promise<void> {
    return this.serial(async () => {
      const edge = this.d.edge();
      if (!edge) return this.withdrawNow();
      this.current = await this.capabilities(edge);
      this.announce();
    });
  }

  /** The edge's state changed: rescan and send at once if the report differs. */
  changed(): Promise<void> {
    this.changeQueued ??= this.serial(async () => {
      this.changeQueued = undefined;
      const edge = this.d.edge();
      if (!edge) return this.withdrawNow();
      const before = JSON.stringify(this.current);
      this.current = await this.capabilities(edge);
      if (JSON.stringify(this.current) !== before) this.announce();
    });
    return this.changeQueued;
  }

  /** Edge mode ended (or the node leaves): one last report with config state `off`. */
  withdraw(): Promise<void> {
    return this.serial(async () => this.withdrawNow());
  }

  /** Sends the current report to every peer; nothing when not in edge mode. */
  announce(): void {
    if (this.current) this.sendAll(this.current);
  }

  private withdrawNow(): void {
    const last = this.current;
    this.current = undefined;
    if (last) this.sendAll({ ...last, nginx: { ...last.nginx, running: false }, config: { state: 'off' } });
  }

  private sendAll(c: EdgeCapabilities): void {
    this.seq = Math.max(this.seq + 1, this.d.clock.now());
    const text = encodeEdgeInfo({ wgPubkey: this.d.publicKey, seq: this.seq, ...c }, this.d.clock.now() / 1000);
    for (const p of this.d.peers()) if (p.meshIp) this.d.send(EDGE_INFO_TYPE, text, p.meshIp);
  }

  private capabilities(m: EdgeManager): Promise<EdgeCapabilities> {
    return (this.d.capabilities ?? edgeCapabilities)(m);
  }

  /** Runs `fn` after the previous one; never rejects (callers fire and forget). */
  private serial(fn: () => Promise<void> | void): Promise<void> {
    return this.queue.run(async () => fn()).catch((err: unknown) => {
      this.d.logger?.warn('edge capability report not sent', { error: err instanceof Error ? err.message : String(err) });
    });
  }
}
