/**
 * Real WireGuard between two network namespaces joined by a veth pair: wireguard-go started by
 * UserspaceWireGuardDevice inside each namespace (`ip netns exec` as spawn prefix), configured
 * over UAPI with keys + preshared key + endpoints, addressed by LinuxRouter; proves IPv4 and
 * IPv6 pings through the tunnel, handshake/counter reporting, peer removal, and clean teardown.
 * Needs root and wireguard-go; every name carries a per-run id and is removed in afterAll.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecCommandRunner } from '../../src/service/engine/exec';
import { LinuxRouter } from '../../src/service/engine/router/router-linux';
import { generateKeyPair } from '../../src/service/engine/wireguard/keys';
import { planPeers } from '../../src/service/engine/wireguard/reconcile';
import type { DesiredPeer } from '../../src/service/engine/wireguard/reconcile';
import { defaultSocketDir } from '../../src/service/engine/wireguard/uapi-client';
import { UserspaceWireGuardDevice } from '../../src/service/engine/wireguard/userspace-device';
import { netnsSkipReason } from './support/requirements';

const skipReason = netnsSkipReason('wireguard-device', ['wireguard-go', 'ip', 'ping']);

const id = randomBytes(3).toString('hex');
const host = new ExecCommandRunner();
const psk = randomBytes(32).toString('base64');

interface Node {
  ns: string;
  veth: string;
  underlay: string;
  meshIp: string;
  meshIpv6: string;
  keys: ReturnType<typeof generateKeyPair>;
  runner: ExecCommandRunner;
  router: LinuxRouter;
  dev: UserspaceWireGuardDevice;
}

function makeNode(suffix: string, n: number): Node {
  const ns = `crt${id}${suffix}`;
  const prefix = ['ip', 'netns', 'exec', ns];
  const runner = new ExecCommandRunner({ prefix });
  const name = `crt${id}w${n}`;
  return {
    ns, veth: `crt${id}v${n}`, underlay: `192.168.213.${n}`, meshIp: `10.213.0.${n}`, meshIpv6: `fd13:213::${n}`,
    keys: generateKeyPair(), runner, router: new LinuxRouter(runner),
    dev: new UserspaceWireGuardDevice(name, { runner, spawnPrefix: prefix, platform: 'linux' }),
  };
}

function desiredPeerFor(peer: Node): DesiredPeer {
  return {
    publicKey: peer.keys.publicKey, presharedKey: psk, endpoint: `${peer.underlay}:51820`,
    allowedIps: [`${peer.meshIp}/32`, `${peer.meshIpv6}/128`], persistentKeepaliveInterval: 25,
  };
}

async function ping(from: Node, to: string, attempts = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await from.runner.run(['ping', '-c1', '-W2', to]);
      return;
    } catch (e) {
      if (i >= attempts) throw e;
    }
  }
}

describe.skipIf(skipReason !== '')(`WireGuard device in network namespaces (run ${id})`, () => {
  const a = makeNode('a', 1);
  const b = makeNode('b', 2);

  beforeAll(async () => {
    for (const n of [a, b]) await host.run(['ip', 'netns', 'add', n.ns]);
    await host.run(['ip', 'link', 'add', a.veth, 'type', 'veth', 'peer', 'name', b.veth]);
    for (const n of [a, b]) {
      await host.run(['ip', 'link', 'set', n.veth, 'netns', n.ns]);
      await n.runner.run(['ip', 'link', 'set', 'lo', 'up']);
      await n.runner.run(['ip', 'addr', 'add', `${n.underlay}/24`, 'dev', n.veth]);
      await n.runner.run(['ip', 'link', 'set', n.veth, 'up']);
    }
    for (const [n, peer] of [[a, b], [b, a]] as const) {
      await n.dev.create();
      await n.dev.configure({ privateKey: n.keys.privateKey, listenPort: 51820 });
      await n.router.setInterfaceAddresses(n.dev.name, { ipv4Cidr: `${n.meshIp}/16`, ipv6Cidr: `${n.meshIpv6}/64` });
      await n.router.setLinkUp(n.dev.name, 1420);
      await n.dev.applyPeers(planPeers([], [desiredPeerFor(peer)]));
    }
  });

  afterAll(async () => {
    for (const n of [a, b]) {
      const pid = n.dev.pid;
      await n.dev.destroy().catch(() => undefined);
      if (pid !== undefined) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    for (const n of [a, b]) {
      await host.run(['ip', 'netns', 'delete', n.ns]).catch(() => undefined);
      rmSync(`${defaultSocketDir}/${n.dev.name}.sock`, { force: true });
    }
  });

  it('starts wireguard-go in each namespace and reports the configuration', async () => {
    expect(a.dev.pid).toBeGreaterThan(0);
    expect(await a.router.linkExists(a.dev.name)).toBe(true);
    expect(await host.run(['ip', 'link', 'show', 'dev', a.dev.name]).then(() => true, () => false)).toBe(false);
    const s = await a.dev.get();
    expect(s.listenPort).toBe(51820);
    expect(s.privateKey).toBe(a.keys.privateKey);
    expect(s.publicKey).toBe(a.keys.publicKey);
    expect(s.peers).toHaveLength(1);
    expect(s.peers[0]).toMatchObject({
      publicKey: b.keys.publicKey, presharedKey: psk, endpoint: '192.168.213.2:51820',
      allowedIps: ['10.213.0.2/32', 'fd13:213::2/128'], persistentKeepaliveInterval: 25,
    });
    // What the real device reports is exactly what the reconciler wants: no spurious ops.
    expect(planPeers(s.peers, [desiredPeerFor(b)])).toEqual([]);
  });

  it('pings through the tunnel over IPv4 and IPv6', async () => {
    await ping(a, b.meshIp);
    await ping(b, a.meshIp);
    await ping(a, b.meshIpv6);
  });

  it('reports the handshake time and traffic counters', async () => {
    const peer = (await a.dev.get()).peers[0];
    expect(peer?.lastHandshakeTime).toBeGreaterThan(Date.now() - 120_000);
    expect(peer?.lastHandshakeTime).toBeLessThanOrEqual(Date.now() + 1000);
    expect(peer?.rxBytes).toBeGreaterThan(0);
    expect(peer?.txBytes).toBeGreaterThan(0);
  });

  it('stops passing traffic once the peer is removed', async () => {
    await a.dev.applyPeers(planPeers((await a.dev.get()).peers, []));
    expect((await a.dev.get()).peers).toEqual([]);
    await expect(a.runner.run(['ping', '-c1', '-W1', b.meshIp])).rejects.toThrow();
  });

  it('reports an unexpected exit of wireguard-go', async () => {
    const exited = new Promise<string>((resolve) => b.dev.onExit(resolve));
    process.kill(b.dev.pid ?? 0, 'SIGKILL');
    expect(await exited).toMatch(/exited \(SIGKILL\)/);
    await b.dev.destroy();
    expect(await b.router.linkExists(b.dev.name)).toBe(false);
  });

  it('destroy stops the process by PID and removes link and socket', async () => {
    const pid = a.dev.pid ?? 0;
    await a.dev.destroy();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await a.router.linkExists(a.dev.name)).toBe(false);
    expect(existsSync(`${defaultSocketDir}/${a.dev.name}.sock`)).toBe(false);
  });
});
