/**
 * The desktop app's figures (issue 6), each against a reference measured in the same run:
 * - tray toggle → expected state (target < 100 ms) and → real state: Electron main's real code
 *   (src/main/desktop.ts on the fake Electron, which only records menus) drives a real cloudroofd
 *   with wireguard-go in a namespace; the reference is the same intent sent straight to the
 *   control API and its status polled every 10 ms;
 * - renderer bundle size, gzip (target ≤ 250 KB), against a bare React "hello" page built with
 *   the same Vite config in the same run;
 * - idle CPU of the app: Electron cannot run here, so only main's own logic is measured (the
 *   process hosting it, connected and idle), against an idle Node process as reference.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as viteBuild } from 'vite';
import { LabCluster, waitFor } from '../src/cli/lab/cluster';
import { waitForPeerCounts } from '../src/cli/lab/mesh-check';
import { startDesktop, type Desktop } from '../src/main/desktop';
import { fakeDesktopDeps } from '../src/main/fake-desktop';
import { FakeElectron, type FakeTray } from '../src/main/fake-electron';
import { generateSecretToken } from '../src/shared/mesh/secret';
import { callJson } from './control-http';
import { cpuTicks } from './proc';
import { median, round } from './stats';

type Log = (s: string) => void;

/** Sums raw and gzip sizes of the .js and .css files below `dir`. */
function assetSizes(dir: string): { raw: number; gzip: number; files: number } {
  let raw = 0;
  let gzip = 0;
  let files = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(js|css)$/.test(name)) {
        const data = readFileSync(p);
        raw += data.length;
        gzip += gzipSync(data, { level: 9 }).length;
        files++;
      }
    }
  };
  walk(dir);
  return { raw, gzip, files };
}

/** Builds a bare React page (createRoot + one element) with the project's Vite settings. */
async function bareReactBundle(root: string): Promise<{ raw: number; gzip: number; files: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cloudroof-bench-react-'));
  try {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="./main.tsx"></script>\n');
    writeFileSync(join(dir, 'main.tsx'), "import { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('root')!).render(<p>hello</p>);\n");
    await viteBuild({
      root: dir, configFile: false, logLevel: 'silent', base: './', oxc: { jsx: { runtime: 'automatic' } },
      resolve: { alias: { react: join(root, 'node_modules/react'), 'react-dom': join(root, 'node_modules/react-dom') } },
      build: { outDir: join(dir, 'out'), target: 'chrome120', reportCompressedSize: false },
    });
    return assetSizes(join(dir, 'out'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Renderer bundle against the bare React page. */
export async function measureBundle(root: string, log: Log): Promise<Record<string, unknown>> {
  const ours = assetSizes(join(root, 'dist', 'renderer'));
  const bare = await bareReactBundle(root);
  const kb = (n: number): number => round(n / 1000, 1);
  log(`  renderer: ${kb(ours.gzip)} KB gzip (${kb(ours.raw)} KB raw, ${ours.files} files); bare React page: ${kb(bare.gzip)} KB gzip; ratio ${round(ours.gzip / bare.gzip, 2)}; target ≤ 250 KB`);
  return {
    renderer_gzip_kb: kb(ours.gzip), renderer_raw_kb: kb(ours.raw), bare_react_gzip_kb: kb(bare.gzip),
    ratio_to_bare_react: round(ours.gzip / bare.gzip, 2), target_gzip_kb: 250, met: ours.gzip <= 250_000,
  };
}

/** Records when the tray's first line (the status line) changes. */
function watchStatusLine(tray: FakeTray): { changedTo: (re: RegExp, since: number, timeoutMs: number) => Promise<number> } {
  const stamps: { at: number; label: string }[] = [];
  const set = tray.setContextMenu.bind(tray);
  tray.setContextMenu = (template) => {
    set(template);
    stamps.push({ at: performance.now(), label: template[0]?.label ?? '' });
  };
  return {
    changedTo: async (re, since, timeoutMs) => {
      const hit = await waitFor(() => stamps.find((s) => s.at >= since && re.test(s.label)), { timeoutMs, intervalMs: 1, what: `the tray to show ${re}` });
      return (hit?.at ?? Number.NaN) - since;
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Tray toggle figures and the app's idle CPU; a real service (2 nodes) in namespaces. */
export async function measureTray(log: Log, runs = 7, idleS = 30): Promise<Record<string, unknown>> {
  const cluster = await LabCluster.create({ nodes: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'cloudroof-bench-desktop-'));
  let desktop: Desktop | null = null;
  const electron = new FakeElectron();
  try {
    const secret = generateSecretToken();
    await Promise.all([0, 1].map((i) => cluster.startNode(i, { extraArgs: ['--log-level', 'info'] })));
    await Promise.all([0, 1].map((i) => callJson(cluster.socketPath(i), 'POST', '/v1/join', { secret })));
    await waitForPeerCounts(cluster, { timeoutMs: 30_000 });
    await callJson(cluster.socketPath(0), 'POST', '/v1/leave', {});
    desktop = await startDesktop(fakeDesktopDeps(electron, dir, cluster.socketPath(0), { argv: ['cloudroof', '--hidden'] }));
    const tray = electron.trays[0] as FakeTray;
    const line = watchStatusLine(tray);
    await waitFor(() => tray.labels()[0] === 'Disconnected', { timeoutMs: 20_000, what: 'the tray to show the service' });
    const expected: number[] = [];
    const real: number[] = [];
    const direct: number[] = [];
    for (let k = 0; k < runs; k++) {
      let t0 = performance.now();
      tray.click('Join mesh');
      expected.push(await line.changedTo(/^Connecting/, t0, 5000));
      real.push(await line.changedTo(/^Connected/, t0, 30_000));
      await waitFor(() => desktop?.store.get().expected === undefined, { timeoutMs: 15_000, what: 'the intent to be confirmed' });
      t0 = performance.now();
      tray.click('Join mesh');
      await line.changedTo(/^Disconnected/, t0, 30_000);
      await waitFor(() => desktop?.store.get().expected === undefined, { timeoutMs: 15_000, what: 'the leave to be confirmed' });
      await sleep(300);
      // Reference: the same intent straight to the API, status polled every 10 ms.
      t0 = performance.now();
      await callJson(cluster.socketPath(0), 'PATCH', '/v1/prefs', { wantConnected: true });
      await waitFor(async () => ((await callJson(cluster.socketPath(0), 'GET', '/v1/status')) as { tunnelState: string }).tunnelState === 'connected', { timeoutMs: 30_000, intervalMs: 10, what: 'the service to connect' });
      direct.push(performance.now() - t0);
      await callJson(cluster.socketPath(0), 'PATCH', '/v1/prefs', { wantConnected: false });
      await waitFor(() => tray.labels()[0] === 'Disconnected', { timeoutMs: 30_000, what: 'the tray to follow the leave' });
      await sleep(300);
    }
    log(`  tray toggle → expected state: median ${round(median(expected), 2)} ms (max ${round(Math.max(...expected), 2)}; target < 100 ms)`);
    log(`  tray toggle → real state (tunnel up, via the watch stream): median ${round(median(real), 0)} ms; the same intent sent to the API and polled: median ${round(median(direct), 0)} ms; ratio ${round(median(real) / median(direct), 2)}`);
    tray.click('Join mesh');
    await line.changedTo(/^Connected/, performance.now() - 1, 30_000);
    const idle = await idleCpu(idleS);
    log(`  idle, connected: main's logic ${round(idle.app_cpu_s_per_min, 3)} CPU s/min (process total, Node + main's modules + the watch stream; an idle Node process: ${round(idle.reference_cpu_s_per_min, 3)} CPU s/min). Electron's own idle CPU is not measured: no Electron runtime here`);
    return {
      runs, expected_ms: { median: round(median(expected), 3), max: round(Math.max(...expected), 3), target: 100, met: median(expected) < 100 },
      real_ms: { median: round(median(real), 0), runs: real.map((x) => round(x, 0)) },
      direct_api_ms: { median: round(median(direct), 0), runs: direct.map((x) => round(x, 0)) },
      ratio_real_to_direct: round(median(real) / median(direct), 2),
      idle: { ...idle, electron: 'not measured: no Electron runtime on this machine' },
    };
  } finally {
    if (desktop) electron.app.emit('before-quit'); // runs desktop.shutdown()
    rmSync(dir, { recursive: true, force: true });
    await cluster.destroy();
  }
}

/** CPU seconds per minute of this process while idle, against a child Node process doing nothing. */
async function idleCpu(seconds: number): Promise<{ app_cpu_s_per_min: number; reference_cpu_s_per_min: number; seconds: number }> {
  const ref = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  await sleep(1000);
  const refPid = ref.pid ?? 0;
  const before = process.cpuUsage();
  const refBefore = cpuTicks(refPid);
  await sleep(seconds * 1000);
  const used = process.cpuUsage(before);
  const refUsed = (cpuTicks(refPid) - refBefore) / 100;
  ref.kill('SIGKILL');
  const perMin = (s: number): number => (s / seconds) * 60;
  return { app_cpu_s_per_min: perMin((used.user + used.system) / 1e6), reference_cpu_s_per_min: perMin(refUsed), seconds };
}
