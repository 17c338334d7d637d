import { describe, expect, it } from 'vitest';
import { applyPeerOps } from './fake';
import { generateKeyPair } from './keys';
import { indexDesired, planPeers, validateDesiredPeer } from './reconcile';
import type { DesiredPeer } from './reconcile';
import type { PeerOp, PeerState } from './uapi';

const A = generateKeyPair().publicKey;
const B = generateKeyPair().publicKey;
const C = generateKeyPair().publicKey;
const PSK = generateKeyPair().privateKey;
const PSK2 = generateKeyPair().privateKey;

function obs(publicKey: string, o: Partial<PeerState> = {}): PeerState {
  return {
    publicKey, presharedKey: PSK, endpoint: '192.0.2.1:51820', allowedIps: ['10.42.0.1/32'],
    persistentKeepaliveInterval: 25, lastHandshakeTime: 1, rxBytes: 10, txBytes: 20, ...o,
  };
}

function want(publicKey: string, d: Partial<DesiredPeer> = {}): DesiredPeer {
  return { publicKey, presharedKey: PSK, endpoint: '192.0.2.1:51820', allowedIps: ['10.42.0.1/32'], persistentKeepaliveInterval: 25, ...d };
}

interface Row {
  name: string;
  observed: PeerState[];
  desired: DesiredPeer[];
  previous?: DesiredPeer[];
  ops: PeerOp[];
}

const rows: Row[] = [
  { name: 'nothing to do', observed: [], desired: [], ops: [] },
  { name: 'identical peers are not touched', observed: [obs(A), obs(B)], desired: [want(A), want(B)], ops: [] },
  {
    name: 'new peer gets a full set',
    observed: [],
    desired: [want(A, { allowedIps: ['fd00::1', '10.42.0.1/32'] })],
    ops: [{
      type: 'set', publicKey: A, presharedKey: PSK, endpoint: '192.0.2.1:51820', persistentKeepaliveInterval: 25,
      replaceAllowedIps: true, allowedIps: ['10.42.0.1/32', 'fd00::1/128'],
    }],
  },
  { name: 'new peer without endpoint', observed: [], desired: [want(A, { endpoint: undefined })], ops: [{
    type: 'set', publicKey: A, presharedKey: PSK, persistentKeepaliveInterval: 25, replaceAllowedIps: true, allowedIps: ['10.42.0.1/32'],
  }] },
  { name: 'undesired peer removed, others untouched', observed: [obs(A), obs(B)], desired: [want(B)], ops: [{ type: 'remove', publicKey: A }] },
  {
    name: 'removes come before additions',
    observed: [obs(A)], desired: [want(B)],
    ops: [
      { type: 'remove', publicKey: A },
      { type: 'set', publicKey: B, presharedKey: PSK, endpoint: '192.0.2.1:51820', persistentKeepaliveInterval: 25, replaceAllowedIps: true, allowedIps: ['10.42.0.1/32'] },
    ],
  },
  {
    name: 'allowed IPs compared as canonical sets (order, spelling, host bits)',
    observed: [obs(A, { allowedIps: ['fd00::/64', '10.0.0.0/8', '10.42.0.1/32'] })],
    desired: [want(A, { allowedIps: ['10.42.0.1', '10.1.2.3/8', 'FD00:0::/64', '10.42.0.1/32'] })],
    ops: [],
  },
  {
    name: 'changed allowed IPs replace the whole list, nothing else',
    observed: [obs(A)], desired: [want(A, { allowedIps: ['10.42.0.1/32', '192.168.1.0/24'] })],
    ops: [{ type: 'set', publicKey: A, updateOnly: true, replaceAllowedIps: true, allowedIps: ['10.42.0.1/32', '192.168.1.0/24'] }],
  },
  {
    name: 'changed keepalive only',
    observed: [obs(A)], desired: [want(A, { persistentKeepaliveInterval: 0 })],
    ops: [{ type: 'set', publicKey: A, updateOnly: true, persistentKeepaliveInterval: 0 }],
  },
  {
    name: 'changed or missing preshared key',
    observed: [obs(A), obs(B, { presharedKey: undefined })], desired: [want(A, { presharedKey: PSK2 }), want(B)],
    ops: [
      { type: 'set', publicKey: A, updateOnly: true, presharedKey: PSK2 },
      { type: 'set', publicKey: B, updateOnly: true, presharedKey: PSK },
    ],
  },
  {
    name: 'roamed endpoint is not fought while the desired endpoint is unchanged',
    observed: [obs(A, { endpoint: '198.51.100.7:40000' })], desired: [want(A)], previous: [want(A)], ops: [],
  },
  {
    name: 'desired endpoint changed since the last apply: re-set, even if observed already equals it',
    observed: [obs(A, { endpoint: '198.51.100.7:40000' })],
    desired: [want(A, { endpoint: '198.51.100.7:40000' })], previous: [want(A)],
    ops: [{ type: 'set', publicKey: A, updateOnly: true, endpoint: '198.51.100.7:40000' }],
  },
  {
    name: 'without history, converge to the desired endpoint',
    observed: [obs(A, { endpoint: '198.51.100.7:40000' })], desired: [want(A)],
    ops: [{ type: 'set', publicKey: A, updateOnly: true, endpoint: '192.0.2.1:51820' }],
  },
  {
    name: 'without history, an observed endpoint spelled differently is equal',
    observed: [obs(A, { endpoint: '[2001:db8::1]:51820' })], desired: [want(A, { endpoint: '[2001:DB8:0::1]:51820' })], ops: [],
  },
  {
    name: 'undefined desired endpoint leaves the observed one alone',
    observed: [obs(A)], desired: [want(A, { endpoint: undefined })], previous: [want(A)], ops: [],
  },
  {
    name: 'several fields at once, one op',
    observed: [obs(A), obs(C)], desired: [want(A, { persistentKeepaliveInterval: 0, allowedIps: [] }), want(C)],
    ops: [{ type: 'set', publicKey: A, updateOnly: true, persistentKeepaliveInterval: 0, replaceAllowedIps: true, allowedIps: [] }],
  },
];

describe('planPeers', () => {
  it.each(rows)('$name', ({ observed, desired, previous, ops }) => {
    expect(planPeers(observed, desired, previous ? indexDesired(previous) : undefined)).toEqual(ops);
  });

  it.each(rows)('converges: applying the plan then re-planning yields nothing ($name)', ({ observed, desired, previous }) => {
    const peers = structuredClone(observed);
    applyPeerOps(peers, planPeers(peers, desired, previous ? indexDesired(previous) : undefined));
    expect(planPeers(peers, desired, indexDesired(desired))).toEqual([]);
    for (const d of desired) expect(peers.some((p) => p.publicKey === d.publicKey)).toBe(true);
    expect(peers).toHaveLength(desired.length);
  });

  it('rejects duplicate desired keys and invalid values', () => {
    expect(() => planPeers([], [want(A), want(A)])).toThrow(/duplicate/);
    expect(() => planPeers([], [want(A, { endpoint: 'example.com:1' })])).toThrow(/invalid endpoint/);
    expect(() => planPeers([], [want(A, { allowedIps: ['bogus'] })])).toThrow(/invalid allowed IP/);
  });

  it('validateDesiredPeer explains what is wrong', () => {
    expect(validateDesiredPeer(want(A))).toBeNull();
    expect(validateDesiredPeer(want('nope'))).toBe('invalid public key');
    expect(validateDesiredPeer(want(A, { presharedKey: '' }))).toBe('invalid preshared key');
    expect(validateDesiredPeer(want(A, { endpoint: 'host:1' }))).toMatch(/invalid endpoint/);
    expect(validateDesiredPeer(want(A, { allowedIps: ['10.0.0.0/40'] }))).toMatch(/invalid allowed IP/);
    expect(validateDesiredPeer(want(A, { persistentKeepaliveInterval: -1 }))).toBe('invalid persistent keepalive');
  });
});
