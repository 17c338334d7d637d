/**
 * The reference measured in the same run: two bare wireguard-go devices in two namespaces,
 * configured statically with each other's keys and endpoints (no discovery at all), timed from
 * "start the devices" to "first ping answered both ways". Any mesh implementation needs at
 * least this long; our time-to-mesh divided by it is the discovery overhead.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NetnsLab } from '../src/cli/lab/netns-lab';
import { ExecCommandRunner } from '../src/service/engine/exec';
import { LinuxRouter } from '../src/service/engine/router/router-linux';
import { generateKeyPair } from '../src/service/engine/wireguard/keys';
import { UserspaceWireGuardDevice } from '../src/service/engine/wireguard/userspace-device';

const run = promisify(execFile);

/** Milliseconds from device start to a mutual ping, two static WireGuard peers. */
export async function measureStaticFloor(): Promise<number> {
  const lab = await NetnsLab.create({ nodes: 2 });
  const devices: UserspaceWireGuardDevice[] = [];
  try {
    const keys = [generateKeyPair(), generateKeyPair()];
    const psk = generateKeyPair().privateKey;
    const mesh = ['10.99.0.1', '10.99.0.2'];
    const t0 = performance.now();
    await Promise.all([0, 1].map(async (i) => {
      const prefix = ['ip', 'netns', 'exec', lab.nodeNs(i)];
      const runner = new ExecCommandRunner({ prefix });
      const dev = new UserspaceWireGuardDevice(`${lab.prefix}f${i}`, { runner, spawnPrefix: prefix });
      devices.push(dev);
      await dev.create();
      await dev.configure({ privateKey: keys[i]!.privateKey, listenPort: 51820 });
      const router = new LinuxRouter(runner);
      await router.configureInterface(dev.name, { ipv4Cidr: `${mesh[i]}/16` }, 1420);
      const j = 1 - i;
      await dev.applyPeers([{ type: 'set', publicKey: keys[j]!.publicKey, presharedKey: psk, endpoint: `${lab.lanIp(j)}:51820`, allowedIps: [`${mesh[j]}/32`], persistentKeepaliveInterval: i === 0 ? 25 : 0 }]);
    }));
    for (;;) {
      const ok = await Promise.all([0, 1].map((i) => run('ip', ['netns', 'exec', lab.nodeNs(i), 'fping', '-q', '-r', '0', '-t', '150', mesh[1 - i]!]).then(() => true, () => false)));
      if (ok.every(Boolean)) return performance.now() - t0;
      if (performance.now() - t0 > 30_000) throw new Error('static WireGuard pair did not ping within 30 s');
    }
  } finally {
    for (const d of devices) await d.destroy().catch(() => undefined);
    await lab.destroy();
  }
}
