/**
 * STUN client and local endpoint determination (spec 3.6).
 *
 * Lifecycle of one detection: open ONE ephemeral udp4 socket; for server 1 then server 2:
 * resolve the host to IPv4, send a Binding Request with a fresh transaction ID, wait up to
 * `timeoutMs` for a Binding Response from that server's IP with that transaction ID (datagrams
 * from other IPs and other transactions are ignored; anything else malformed from the server
 * fails that query); then close the socket and classify (cone / symmetric / unknown / none).
 * The advertised endpoint is the reflexive IP with the WireGuard listen port, never the mapped
 * port. Nothing is retried here: the caller repeats the whole procedure (Go: every 60 s).
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { formatHostPort, isPublicIPv6, normalizeIp } from '../mesh/endpoint';
import { classifyNat, decodeBindingResponse, encodeBindingRequest, StunError, type Mapped } from '../mesh/stun-codec';
import { parseIp } from '../../shared/mesh/ip';
import { validatePeerAddress } from './dht-helpers';

export type { Mapped } from '../mesh/stun-codec';

/** A STUN server: host name or IPv4 literal, and UDP port. */
export interface StunServerAddress {
  host: string;
  port: number;
}

/** Options of {@link stunBinding} and {@link detectNat}. */
export interface StunOptions {
  /** Per-server wait for a response, default 3000 ms (as Go). */
  timeoutMs?: number;
  /** Local address of the ephemeral socket, default 0.0.0.0. */
  bindAddress?: string;
  /** Makes the (unbound) udp4 socket; default `dgram.createSocket('udp4')`. */
  socketFactory?: () => dgram.Socket;
  /** Resolves a host name to one IPv4 address; default DNS lookup with family 4. */
  resolve?: (host: string) => Promise<string>;
  /** Aborting rejects the pending query and closes the socket. */
  signal?: AbortSignal;
  /** Told why a server gave no answer (detectNat only; for logs). */
  onQueryError?: (server: StunServerAddress, err: StunQueryError) => void;
}

/** Default per-server timeout (spec 3.6). */
export const STUN_TIMEOUT_MS = 3000;
/** Go reads responses into a 512-byte buffer; anything longer cannot be a response it accepts. */
export const STUN_READ_BUFFER = 512;

/** Why a Binding query failed. */
export type StunQueryFailure = 'resolve' | 'unreachable' | 'timeout' | 'malformed' | 'aborted' | 'socket';

/** A failed Binding query; the message names the server and the cause. */
export class StunQueryError extends Error {
  constructor(readonly kind: StunQueryFailure, message: string) {
    super(message);
    this.name = 'StunQueryError';
  }
}

/** Result of {@link detectNat}. */
export interface NatDetection {
  /** `<reflexive IP>:<wgPort>` (IPv6 bracketed). */
  endpoint: string;
  natType: 'cone' | 'symmetric' | 'unknown';
  /** What each server reported (`null`: no answer). */
  observed: { first: Mapped | null; second: Mapped | null };
}

async function resolveIPv4(host: string, resolve?: (host: string) => Promise<string>): Promise<string> {
  if (isIP(host) === 4) return host;
  if (isIP(host) === 6) throw new StunQueryError('resolve', `STUN server ${host}: servers are resolved as IPv4 only`);
  try {
    const ip = resolve ? await resolve(host) : (await lookup(host, { family: 4 })).address;
    if (isIP(ip) !== 4) throw new Error(`not an IPv4 address: ${ip}`);
    return ip;
  } catch (err) {
    throw new StunQueryError('resolve', `STUN server ${host}: cannot resolve to IPv4 (${(err as Error).message})`);
  }
}

/** One ephemeral udp4 socket sending Binding Requests to one server at a time. */
class StunProbe {
  private constructor(private readonly socket: dgram.Socket, private readonly opts: StunOptions) {}

  /** Binds the socket to an ephemeral port. */
  static async open(opts: StunOptions): Promise<StunProbe> {
    const socket = opts.socketFactory ? opts.socketFactory() : dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, opts.bindAddress ?? '0.0.0.0', () => { socket.removeListener('error', reject); resolve(); });
    }).catch((err: unknown) => {
      socket.close();
      throw new StunQueryError('socket', `cannot bind the STUN socket: ${(err as Error).message}`);
    });
    // Errors after binding reach the pending query through `query`'s own listener.
    socket.on('error', () => undefined);
    return new StunProbe(socket, opts);
  }

  /** One Binding Request to `server`; resolves with what the server saw. */
  async query(server: StunServerAddress): Promise<Mapped> {
    const label = `STUN server ${server.host}:${server.port}`;
    const signal = this.opts.signal;
    if (signal?.aborted) throw new StunQueryError('aborted', `${label}: aborted`);
    const ip = await resolveIPv4(server.host, this.opts.resolve);
    const txId = randomBytes(12);
    const timeoutMs = this.opts.timeoutMs ?? STUN_TIMEOUT_MS;
    return new Promise<Mapped>((resolve, reject) => {
      const finish = (err: StunQueryError | null, mapped?: Mapped) => {
        clearTimeout(timer);
        this.socket.removeListener('message', onMessage);
        this.socket.removeListener('error', onError);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(mapped as Mapped);
      };
      const onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo) => {
        if (normalizeIp(rinfo.address) !== ip) return; // spec 3.6: only the server's IP
        try {
          if (msg.length > STUN_READ_BUFFER) throw new StunError('bad-length', `response of ${msg.length} bytes exceeds ${STUN_READ_BUFFER}`);
          const mapped = decodeBindingResponse(msg, txId);
          // Beyond Go: no NAT maps us to 0/8, multicast, 240/4, :: or ff00::/8, or to port 0; such an
          // answer would be advertised as our endpoint (hardening fuzz).
          if (!validatePeerAddress(mapped.ip, mapped.port, true)) throw new Error(`unusable mapped address ${formatHostPort(mapped.ip, mapped.port)}`);
          finish(null, mapped);
        } catch (err) {
          if (err instanceof StunError && err.reason === 'transaction-mismatch') return; // a late or foreign answer
          finish(new StunQueryError('malformed', `${label}: malformed response (${(err as Error).message})`));
        }
      };
      const onError = (err: Error) => finish(new StunQueryError('socket', `${label}: ${err.message}`));
      const onAbort = () => finish(new StunQueryError('aborted', `${label}: aborted`));
      const timer = setTimeout(() => finish(new StunQueryError('timeout', `${label}: no response within ${timeoutMs} ms`)), timeoutMs);
      this.socket.on('message', onMessage);
      this.socket.on('error', onError);
      signal?.addEventListener('abort', onAbort);
      if (signal?.aborted) return onAbort(); // aborted while resolving
      this.socket.send(encodeBindingRequest(txId), server.port, ip, (err) => {
        if (err) finish(new StunQueryError('unreachable', `${label}: cannot send (${err.message})`));
      });
    });
  }

  /** Closes the socket (idempotent). */
  close(): void {
    try {
      this.socket.close();
    } catch { /* already closed */ }
  }
}

/**
 * One Binding Request to `server` from a fresh ephemeral udp4 socket: resolves with the
 * reflexive address, or rejects with a {@link StunQueryError} (resolve failure, send failure,
 * timeout, malformed response from the server's IP or one mapping us to an address no NAT uses, abort). The socket is always closed.
 */
export async function stunBinding(server: StunServerAddress, opts: StunOptions = {}): Promise<Mapped> {
  const probe = await StunProbe.open(opts);
  try {
    return await probe.query(server);
  } finally {
    probe.close();
  }
}

/**
 * Spec 3.6 step 2: Binding Requests to the first two `servers`, one after the other, from ONE
 * ephemeral udp4 socket, then {@link classifyNat}. Resolves `{ endpoint: '<ip>:<wgPort>',
 * natType }`, or `null` when no server answered (keep the previous endpoint). Rejects only
 * when the socket cannot be opened or `signal` aborts.
 */
export async function detectNat(servers: readonly StunServerAddress[], wgPort: number, opts: StunOptions = {}): Promise<NatDetection | null> {
  const chosen = servers.slice(0, 2);
  if (chosen.length === 0) return null;
  const probe = await StunProbe.open(opts);
  try {
    const answers: (Mapped | null)[] = [];
    for (const server of chosen) {
      try {
        answers.push(await probe.query(server));
      } catch (err) {
        if (!(err instanceof StunQueryError)) throw err;
        if (err.kind === 'aborted') throw err;
        opts.onQueryError?.(server, err);
        answers.push(null);
      }
    }
    const [first = null, second = null] = answers;
    const c = classifyNat(first, second);
    return c && { endpoint: formatHostPort(c.endpointIp, wgPort), natType: c.natType, observed: { first, second } };
  } finally {
    probe.close();
  }
}

/** An address as `os.networkInterfaces()` lists it (only up interfaces are listed there). */
export interface InterfaceAddress {
  address: string;
  /** Loopback (skipped). */
  internal: boolean;
}

/** Spec 3.6 score: 10, +20 inside 2000::/3, −5 for an EUI-64 interface ID (ff fe in bytes 11–12). */
export function scoreIPv6(address: string): number {
  const b = parseIp(address);
  if (!b || b.length !== 16) return 0;
  let score = 10;
  if (((b[0] ?? 0) & 0xe0) === 0x20) score += 20;
  if (b[11] === 0xff && b[12] === 0xfe) score -= 5;
  return score;
}

/**
 * Spec 3.6 step 1: among non-internal addresses, the public IPv6 ones (global unicast, not in
 * 200::/7, 2001:db8::/32, fc00::/7, fe80::/10, ff00::/8, ::1, ::; IPv4 and IPv4-mapped skipped)
 * ranked by {@link scoreIPv6}, ties broken by the smallest canonical text. Returns
 * `[addr]:<wgPort>` for the best, or `null` (then STUN runs). Pass
 * `Object.values(os.networkInterfaces()).flat()`.
 */
export function pickIPv6Endpoint(addresses: readonly (InterfaceAddress | undefined)[], wgPort: number): string | null {
  const candidates = addresses
    .filter((a): a is InterfaceAddress => a !== undefined && !a.internal && isPublicIPv6(a.address))
    .map((a) => ({ text: normalizeIp(a.address), score: scoreIPv6(a.address) }))
    .sort((x, y) => y.score - x.score || (x.text < y.text ? -1 : x.text > y.text ? 1 : 0));
  const best = candidates[0];
  return best ? formatHostPort(best.text, wgPort) : null;
}
