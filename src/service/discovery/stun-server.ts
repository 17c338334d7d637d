/**
 * A minimal STUN server (RFC 5389 Binding only) for tests and labs: one of the project's own
 * servers, never a public one.
 *
 * Lifecycle: `start(host, port)` binds one UDP socket (udp6 when `host` is IPv6, else udp4; a
 * udp6 socket on `::` is dual-stack); each well-formed Binding Request is answered at once with
 * a Binding Response whose XOR-MAPPED-ADDRESS is the datagram's source (IPv4-mapped sources are
 * reported as IPv4), and counted; anything else is dropped and counted as ignored. No state is
 * kept between requests. `close()` unbinds.
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { normalizeIp } from '../mesh/endpoint';
import { decodeBindingRequest, encodeBindingResponse } from '../mesh/stun-codec';

/** Where a started {@link StunServer} listens. */
export interface StunServerBinding {
  address: string;
  port: number;
}

/** The STUN Binding server. */
export class StunServer {
  private socket: dgram.Socket | undefined;
  private answered = 0;
  private dropped = 0;

  /** Binding Requests answered so far. */
  get requests(): number {
    return this.answered;
  }

  /** Datagrams dropped because they were not Binding Requests. */
  get ignored(): number {
    return this.dropped;
  }

  /** Binds `host:port` (port 0: ephemeral) and starts answering. Rejects on bind errors. */
  async start(host = '127.0.0.1', port = 0): Promise<StunServerBinding> {
    if (this.socket) throw new Error('STUN server already started');
    const socket = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => { socket.removeListener('error', reject); resolve(); });
    }).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    socket.on('error', () => undefined); // a failed send to one client must not stop the server
    socket.on('message', (msg, rinfo) => this.answer(socket, msg, rinfo));
    this.socket = socket;
    return this.binding();
  }

  /** The bound address and port (throws before `start`). */
  binding(): StunServerBinding {
    if (!this.socket) throw new Error('STUN server not started');
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /** Stops answering and releases the port (idempotent). */
  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private answer(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let txId: Uint8Array;
    try {
      txId = decodeBindingRequest(msg);
    } catch {
      this.dropped++;
      return;
    }
    this.answered++;
    // A link-local source carries a zone (`fe80::1%eth0`): the zone is not part of the address.
    const source = { ip: normalizeIp(rinfo.address.split('%')[0] ?? ''), port: rinfo.port };
    socket.send(encodeBindingResponse(txId, source), rinfo.port, rinfo.address);
  }
}
