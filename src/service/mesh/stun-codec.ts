/**
 * The RFC 5389 subset wgmesh uses for NAT detection (spec 3.6, vectors 6.1.6): a 20-byte
 * Binding Request, Binding Responses carrying XOR-MAPPED-ADDRESS or MAPPED-ADDRESS, and the
 * cone/symmetric/unknown classification of two answers. Pure: bytes in, values out; every read
 * is bounds-checked and anything malformed throws {@link StunError}.
 */
import { formatIp, parseIp, toIPv4 } from '../../shared/mesh/ip';

/** The fixed magic cookie of every RFC 5389 message. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
/** Size of the STUN header: type, length, cookie, transaction ID. */
export const STUN_HEADER_SIZE = 20;
/** Message type of a Binding Request. */
export const STUN_BINDING_REQUEST = 0x0001;
/** Message type of a Binding success Response. */
export const STUN_BINDING_RESPONSE = 0x0101;
/** Attribute type of MAPPED-ADDRESS (plain address; the fallback). */
export const STUN_ATTR_MAPPED_ADDRESS = 0x0001;
/** Attribute type of XOR-MAPPED-ADDRESS (preferred). */
export const STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020;

const TX_ID_SIZE = 12;
const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;

/** A server-reflexive transport address as a STUN server saw it. */
export interface Mapped {
  /** Dotted IPv4 or RFC 5952 IPv6 text (IPv4-mapped IPv6 printed as IPv4, as Go does). */
  ip: string;
  port: number;
}

/** Why a datagram is not an acceptable STUN message. */
export type StunErrorReason =
  | 'too-short' | 'bad-type' | 'bad-cookie' | 'transaction-mismatch' | 'bad-length'
  | 'attribute-overrun' | 'no-mapped-address';

/** Thrown for every malformed or unexpected STUN message; `reason` is machine-readable. */
export class StunError extends Error {
  constructor(readonly reason: StunErrorReason, message: string) {
    super(message);
    this.name = 'StunError';
  }
}

/** Result of {@link classifyNat}: the NAT behaviour and the reflexive address to advertise. */
export interface NatClassification {
  natType: 'cone' | 'symmetric' | 'unknown';
  /** Reflexive IP of server 1, or of server 2 when server 1 did not answer. */
  endpointIp: string;
  /** Mapped port that came with `endpointIp` (informational: the WireGuard port is advertised). */
  mappedPort: number;
}

function checkTxId(txId: Uint8Array): void {
  if (txId.length !== TX_ID_SIZE) throw new RangeError(`a STUN transaction ID has 12 bytes, got ${txId.length}`);
}

function header(type: number, length: number, txId: Uint8Array): Uint8Array {
  const out = new Uint8Array(STUN_HEADER_SIZE + length);
  const v = new DataView(out.buffer);
  v.setUint16(0, type);
  v.setUint16(2, length);
  v.setUint32(4, STUN_MAGIC_COOKIE);
  out.set(txId, 8);
  return out;
}

/** The 20-byte Binding Request with transaction ID `txId` (12 bytes, else RangeError). */
export function encodeBindingRequest(txId: Uint8Array): Uint8Array {
  checkTxId(txId);
  return header(STUN_BINDING_REQUEST, 0, txId);
}

/**
 * Checks the header every message must have: at least 20 bytes, `type`, the magic cookie, a
 * length that is a multiple of 4 and exactly covers the rest of the datagram. Returns the view.
 */
function checkHeader(bytes: Uint8Array, type: number): DataView {
  if (bytes.length < STUN_HEADER_SIZE) throw new StunError('too-short', `STUN message too short: ${bytes.length} bytes`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = v.getUint16(0);
  if (got !== type) throw new StunError('bad-type', `unexpected STUN message type 0x${got.toString(16).padStart(4, '0')}`);
  if (v.getUint32(4) !== STUN_MAGIC_COOKIE) throw new StunError('bad-cookie', 'STUN magic cookie mismatch');
  const length = v.getUint16(2);
  if (length % 4 !== 0 || STUN_HEADER_SIZE + length !== bytes.length) {
    throw new StunError('bad-length', `STUN length field ${length} does not match ${bytes.length - STUN_HEADER_SIZE} attribute bytes`);
  }
  return v;
}

/**
 * The transaction ID of a well-formed Binding Request (attributes, if any, must be framed
 * correctly but are ignored). Throws {@link StunError} for anything else.
 */
export function decodeBindingRequest(bytes: Uint8Array): Uint8Array {
  checkHeader(bytes, STUN_BINDING_REQUEST);
  walkAttributes(bytes, () => undefined);
  return Uint8Array.from(bytes.subarray(8, STUN_HEADER_SIZE)); // a copy: on a Buffer, slice() is a view
}

/** Calls `visit(type, value)` for each attribute; overruns throw. Values honour 4-byte padding. */
function walkAttributes(bytes: Uint8Array, visit: (type: number, value: Uint8Array) => void): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = STUN_HEADER_SIZE;
  while (off < bytes.length) {
    if (off + 4 > bytes.length) throw new StunError('attribute-overrun', `truncated attribute header at offset ${off}`);
    const type = v.getUint16(off);
    const len = v.getUint16(off + 2);
    const padded = (len + 3) & ~3;
    if (off + 4 + padded > bytes.length) {
      throw new StunError('attribute-overrun', `attribute 0x${type.toString(16)} of ${len} bytes overruns the message`);
    }
    visit(type, bytes.subarray(off + 4, off + 4 + len));
    off += 4 + padded;
  }
}

/** The 16-byte XOR key: cookie ‖ transaction ID (the IPv4 key is its first 4 bytes). */
function xorKey(txId: Uint8Array): Uint8Array {
  const key = new Uint8Array(16);
  new DataView(key.buffer).setUint32(0, STUN_MAGIC_COOKIE);
  key.set(txId, 4);
  return key;
}

/** Decodes one (XOR-)MAPPED-ADDRESS value, or returns why it is unusable. */
function decodeAddress(value: Uint8Array, key: Uint8Array | null): Mapped | string {
  if (value.length < 4) return `address attribute of ${value.length} bytes`;
  const family = value[1];
  const size = family === FAMILY_IPV4 ? 4 : family === FAMILY_IPV6 ? 16 : 0;
  if (size === 0) return `unknown address family 0x${(family ?? 0).toString(16)}`;
  if (value.length !== 4 + size) return `address attribute of ${value.length} bytes for family ${family}`;
  const ip = Uint8Array.from(value.subarray(4)); // a copy: on a Buffer (a datagram), slice() is a view and the XOR below would rewrite it
  if (key) for (let i = 0; i < size; i++) ip[i] = (ip[i] ?? 0) ^ (key[i] ?? 0);
  const rawPort = ((value[2] ?? 0) << 8) | (value[3] ?? 0);
  return { ip: formatIp(ip), port: key ? rawPort ^ (STUN_MAGIC_COOKIE >>> 16) : rawPort };
}

/**
 * The reflexive address in a Binding Response to the request with `txId`: type 0x0101, the
 * magic cookie, the same transaction ID, a length covering exactly the attributes, attributes
 * framed with 4-byte padding. The first usable XOR-MAPPED-ADDRESS wins, else the last usable
 * MAPPED-ADDRESS (as Go); an address attribute with an unknown family or wrong size is skipped.
 * Throws {@link StunError} (`transaction-mismatch` for another transaction's response).
 */
export function decodeBindingResponse(bytes: Uint8Array, txId: Uint8Array): Mapped {
  checkTxId(txId);
  checkHeader(bytes, STUN_BINDING_RESPONSE);
  if (!bytes.subarray(8, STUN_HEADER_SIZE).every((b, i) => b === txId[i])) {
    throw new StunError('transaction-mismatch', 'STUN transaction ID mismatch');
  }
  const key = xorKey(txId);
  let xor: Mapped | undefined;
  let plain: Mapped | undefined;
  let problem = 'no address attribute';
  walkAttributes(bytes, (type, value) => {
    if (xor || (type !== STUN_ATTR_XOR_MAPPED_ADDRESS && type !== STUN_ATTR_MAPPED_ADDRESS)) return;
    const a = decodeAddress(value, type === STUN_ATTR_XOR_MAPPED_ADDRESS ? key : null);
    if (typeof a === 'string') problem = a;
    else if (type === STUN_ATTR_XOR_MAPPED_ADDRESS) xor = a;
    else plain = a;
  });
  const found = xor ?? plain;
  if (!found) throw new StunError('no-mapped-address', `no usable mapped address in STUN response (${problem})`);
  return found;
}

/** Which address attributes {@link encodeBindingResponse} writes, in order. */
export interface BindingResponseOptions {
  /** Default `['xor-mapped']`. */
  attributes?: readonly ('xor-mapped' | 'mapped')[];
}

/**
 * A Binding success Response to transaction `txId` reporting `mapped` (IPv4 or IPv6 text; an
 * IPv4-mapped IPv6 address is written as IPv4). For our own STUN server and tests. Throws
 * RangeError for a bad transaction ID, IP or port.
 */
export function encodeBindingResponse(txId: Uint8Array, mapped: Mapped, opts: BindingResponseOptions = {}): Uint8Array {
  checkTxId(txId);
  const parsed = parseIp(mapped.ip);
  if (!parsed) throw new RangeError(`not an IP address: ${mapped.ip}`);
  if (!Number.isInteger(mapped.port) || mapped.port < 0 || mapped.port > 65535) throw new RangeError(`bad port ${mapped.port}`);
  const ip = toIPv4(parsed) ?? parsed;
  const attrs = opts.attributes ?? ['xor-mapped'];
  const valueLen = 4 + ip.length;
  const out = header(STUN_BINDING_RESPONSE, attrs.length * (4 + valueLen), txId);
  const v = new DataView(out.buffer);
  const key = xorKey(txId);
  let off = STUN_HEADER_SIZE;
  for (const kind of attrs) {
    const xored = kind === 'xor-mapped';
    v.setUint16(off, xored ? STUN_ATTR_XOR_MAPPED_ADDRESS : STUN_ATTR_MAPPED_ADDRESS);
    v.setUint16(off + 2, valueLen);
    out[off + 5] = ip.length === 4 ? FAMILY_IPV4 : FAMILY_IPV6;
    v.setUint16(off + 6, xored ? mapped.port ^ (STUN_MAGIC_COOKIE >>> 16) : mapped.port);
    for (let i = 0; i < ip.length; i++) out[off + 8 + i] = (ip[i] ?? 0) ^ (xored ? key[i] ?? 0 : 0);
    off += 4 + valueLen;
  }
  return out;
}

/**
 * The spec 3.6 table for the answers of server 1 and server 2 (sent from one socket): both
 * with identical IP and port → cone; both but different → symmetric; only one → unknown; none
 * → `null` (the caller keeps its previous endpoint and NAT type). The endpoint IP is server 1's
 * unless server 1 did not answer.
 */
export function classifyNat(first: Mapped | null, second: Mapped | null): NatClassification | null {
  const base = first ?? second;
  if (!base) return null;
  const natType = !first || !second ? 'unknown' : first.ip === second.ip && first.port === second.port ? 'cone' : 'symmetric';
  return { natType, endpointIp: base.ip, mappedPort: base.port };
}
