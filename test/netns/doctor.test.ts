// `cloudroof doctor` against real nodes (a 2-node LabCluster, root only): a healthy node has no
// errors; a peer whose clock is 400 s behind (a stand-in that stamps its HELLOs so: the
// namespaces share one clock) is reported as a clock-skew error, with the too-old drops as
// evidence; IPv4 forwarding switched off behind the service while it advertises a route is an
// error with the sysctl fix; a killed service leaves a stale socket, which doctor names.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabCluster } from '../../src/cli/lab/cluster';
import { createHomeLan, HOME_LAN, type HomeLan } from '../../src/cli/lab/home-lan';
import { generateSecretToken } from '../../src/shared/mesh/secret';
import { netnsSkipReason } from './support/requirements';

const canRun = netnsSkipReason('doctor', ['wireguard-go', 'ip', 'nft', 'sysctl']) === '';

interface Finding { id: string; severity: string; message: string; fix: string }
interface Report { ok: boolean; findings: Finding[]; checked: string[] }

describe.skipIf(!canRun)('cloudroof doctor (netns)', () => {
  let cluster: LabCluster;
  let homeLan: HomeLan | undefined;
  const secret = generateSecretToken();
  const doctor = async (i: number): Promise<{ code: number | null; report: Report }> => {
    const r = await cluster.cli(i, ['doctor', '--json']);
    try {
      return { code: r.code, report: JSON.parse(r.stdout) as Report };
    } catch {
      throw new Error(`doctor on node ${i}: not JSON (exit ${r.code}): ${r.stdout}${r.stderr}`);
    }
  };
  const errors = (r: Report) => r.findings.filter((f) => f.severity === 'error');

  beforeAll(async () => {
    // Node 2's namespace hosts the skewed stand-in; cloudroofd runs on nodes 0 and 1.
    cluster = await LabCluster.create({ nodes: 3 });
    await Promise.all([cluster.startNode(0), cluster.startNode(1)]);
    for (const i of [0, 1]) {
      const r = await cluster.cli(i, ['join', '--secret', '-'], { input: secret });
      expect(r.code, r.stderr).toBe(0);
    }
    await cluster.waitFor(async () => (await cluster.statusJson(0)).peer_count === 1 && (await cluster.statusJson(1)).peer_count === 1,
      { timeoutMs: 20_000, what: 'nodes 0 and 1 to see each other' });
  });

  afterAll(async () => {
    homeLan?.destroy();
    await cluster?.destroy();
  });

  it('a healthy joined node: no errors, interface and clock checked', async () => {
    const { code, report } = await doctor(0);
    expect(errors(report), JSON.stringify(report.findings)).toEqual([]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checked).toEqual(expect.arrayContaining(['service', 'versions', 'wireguard', 'state-dir', 'mesh', 'interface', 'clock']));
    expect(report.findings.map((f) => f.id)).not.toContain('clock-skew');
  });

  it('a peer whose clock is 400 s behind → clock-skew error with the time-sync fix', async () => {
    const script = join(cluster.lab.tmpDir, 'skewed-peer.mjs');
    await build({
      entryPoints: [join(__dirname, 'support', 'skewed-peer.ts')], outfile: script, bundle: true, platform: 'node', format: 'esm',
      target: 'node20', logLevel: 'warning',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    cluster.lab.spawn(2, [process.execPath, script], { logName: 'skewed', env: { SECRET: secret, TARGET: cluster.lab.lanIp(0), SKEW_S: '-400' } });
    const { code, report } = await cluster.waitFor(async () => {
      const d = await doctor(0);
      if (!d.report.findings.some((f) => f.id === 'peer-clock-skew')) throw new Error(`no skew finding yet: ${JSON.stringify(d.report.findings)}`);
      return d;
    }, { timeoutMs: 15_000, what: 'doctor on node 0 to report the skewed peer' });
    expect(code).toBe(1);
    const skew = report.findings.find((f) => f.id === 'peer-clock-skew')!;
    expect(skew).toMatchObject({ severity: 'error', fix: 'on skewed-peer: enable time sync: sudo timedatectl set-ntp true' });
    expect(skew.message).toMatch(/skewed-peer is 40[01] s behind/); // 400, or 401 across a second boundary
    // The HELLO stamped 700 s in the past was dropped: evidence in the counters.
    const drops = report.findings.find((f) => f.id === 'clock-skew-drops');
    expect(drops?.message).toContain('1 as too old');
    // Node 1 never heard the stand-in: its clock check stays quiet.
    expect((await doctor(1)).report.findings.map((f) => f.id)).not.toContain('peer-clock-skew');
  });

  it('forwarding switched off while a route is advertised → error with the sysctl fix', async () => {
    homeLan = createHomeLan(cluster, [1]);
    const adv = await cluster.cli(1, ['routes', 'advertise', HOME_LAN]);
    expect(adv.code, adv.stderr).toBe(0);
    const before = await doctor(1);
    expect(before.report.findings.map((f) => f.id)).not.toContain('forwarding-ipv4-off');
    execFileSync('ip', ['netns', 'exec', cluster.lab.nodeNs(1), 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0']);
    const { code, report } = await doctor(1);
    expect(code).toBe(1);
    const f = report.findings.find((x) => x.id === 'forwarding-ipv4-off');
    expect(f, JSON.stringify(report.findings)).toMatchObject({ severity: 'error' });
    expect(f!.fix).toMatch(/^sudo sysctl -w net\.ipv4\.ip_forward=1/);
    expect(f!.message).toContain(HOME_LAN);
    expect((await cluster.cli(1, ['routes', 'withdraw', '--all'])).code).toBe(0);
  });

  it('a killed service leaves a stale socket: doctor says so and exits 1', async () => {
    await cluster.killNode(1);
    const { code, report } = await doctor(1);
    expect(code).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ id: 'service-stale-socket', severity: 'error' })]);
    expect(report.findings[0]!.fix).toContain('sudo systemctl restart cloudroofd');
  });
});
