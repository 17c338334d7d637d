// The site runtime's message intake, over real UDP on loopback addresses standing in for mesh
// addresses: an edge capability report counts only when its sender's key is the peer whose mesh
// address sent it, exactly as site lists do; anything else is counted and dropped.
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveMeshKeys } from '../../shared/mesh/derive';
import { generateSecretToken, parseSecret } from '../../shared/mesh/secret';
import { systemClock } from '../clock';
import { PacketCounters } from '../discovery/counters';
import type { EdgeNginx } from '../edge/nginx';
import { FakeOriginFirewall } from '../engine/firewall/origin-fake';
import { silentLogger } from '../log';
import { sealEnvelope } from '../mesh/envelope';
import { EDGE_INFO_TYPE, encodeEdgeInfo, type EdgeInfo } from '../mesh/site-messages';
import { PeerStore } from './peer-store';
import { SiteRuntime } from './site-runtime';

const SELF = 'SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS=';
const EDGE = 'EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE=';
const OTHER = 'OOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOO=';

/** A /24 of 127/8 of its own per run (Linux answers the whole of 127/8 on lo). */
const net = `127.${randomInt(1, 250)}.${randomInt(1, 250)}`;
const keys = deriveMeshKeys(parseSecret(generateSecretToken()));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });

async function runtime() {
  const store = new PeerStore(systemClock);
  store.update({ publicKey: EDGE, hostname: 'vps-1', meshIp: `${net}.2` }, 'lan');
  store.update({ publicKey: OTHER, hostname: 'home-2', meshIp: `${net}.3` }, 'lan');
  const counters = new PacketCounters();
  let changes = 0;
  const rt = new SiteRuntime({
    keys, identity: { privateKey: '', publicKey: SELF, meshIPv4: `${net}.1`, meshIPv6: 'fd00::dead:1' }, iface: 'cr-test', store,
    clock: systemClock, logger: silentLogger, originFirewall: new FakeOriginFirewall(), createNginx: () => ({}) as EdgeNginx,
    ipv6: false, counters, onChanged: () => { changes++; },
  });
  await rt.start(); // the IPv6 address is on no interface: that socket is skipped, as in production
  cleanups.push(() => rt.stop(false));
  return { rt, counters, changes: () => changes };
}

/** Sends a sealed capability report from `fromIp` to the runtime. */
async function sendInfo(fromIp: string, info: EdgeInfo, gossipKey = keys.gossipKey): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind({ address: fromIp, port: 0 }, resolve));
  const datagram = sealEnvelope(gossipKey, EDGE_INFO_TYPE, encodeEdgeInfo(info, Date.now() / 1000));
  await new Promise<void>((resolve, reject) => s.send(datagram, keys.probePort, `${net}.1`, (err) => (err ? reject(err) : resolve())));
  s.close();
}

const info = (key: string, seq: number): EdgeInfo => ({
  wgPubkey: key, seq, nginx: { available: true, running: true }, config: { state: 'applied' }, httpPort: 80, httpsPort: 443,
  certDir: '/etc/cloudroof/certs', certificates: ['www.example.com'],
});

/** Waits until `cond` holds (datagrams on loopback arrive within milliseconds; bounded at 5 s). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

describe('SiteRuntime: edge capability reports', () => {
  it('lists an edge whose report comes from its own mesh address', async () => {
    const { rt, changes } = await runtime();
    await sendInfo(`${net}.2`, info(EDGE, 1));
    await until(() => rt.meshEdges().length === 1);
    expect(rt.meshEdges()[0]).toMatchObject({ publicKey: EDGE, hostname: 'vps-1', meshIPv4: `${net}.2`, certificates: ['www.example.com'] });
    expect(changes()).toBeGreaterThan(0);
  });

  it('drops a report that speaks for another member, from an unknown address, or sealed with another key', async () => {
    const { rt, counters } = await runtime();
    await sendInfo(`${net}.3`, info(EDGE, 1)); // OTHER's address claiming to be EDGE
    await sendInfo(`${net}.9`, info(EDGE, 2)); // not a peer at all
    await sendInfo(`${net}.2`, info(EDGE, 3), new Uint8Array(32).fill(9)); // another mesh
    await until(() => (counters.dropped['key-mismatch'] ?? 0) === 1 && (counters.dropped['unknown-sender'] ?? 0) === 1
      && (counters.dropped['auth-failed'] ?? 0) === 1);
    expect(rt.meshEdges()).toEqual([]);
  });

  it('drops a report that does not decode', async () => {
    const { rt, counters } = await runtime();
    await sendInfo(`${net}.2`, { ...info(EDGE, 1), certDir: 'relative/dir' });
    await until(() => (counters.dropped['bad-payload'] ?? 0) === 1);
    expect(rt.meshEdges()).toEqual([]);
  });
});
