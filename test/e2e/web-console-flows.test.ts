// The desktop UI's flows for real (issue 6): headless Chromium drives the renderer through the web
// console of a real cloudroofd in a network namespace, against real WireGuard (wireguard-go), a
// real nftables router and a real nginx edge. Three nodes:
//   node 0  the home server: runs the browser (its web console is on its own loopback), routes its
//           home LAN (10.77.0.0/24, a plain host at 10.77.0.2) and runs the origin app on :8080
//   node 1  an edge: nginx (managed by the service), a test CA's certificate, a leg to the internet
//   node 2  a remote laptop: joins by CLI, reaches the home LAN through the route
// The test joins through the UI with a secret generated in the UI, watches the peers appear,
// advertises the LAN with the routes checkbox (node 2 then pings the LAN host), gets a clear error
// for a bad secret and for a dead local service, and walks the exposure wizard until the site
// answers a visitor through the edge. Every screen is saved in test-results/e2e/web-console/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snakeKeys } from '../../src/cli/json-case';
import { LabCluster } from '../../src/cli/lab/cluster';
import { createInternet, createTestCa, type Internet, type TestCa } from '../../src/cli/lab/edge-lab';
import { visitorCurl } from '../../src/cli/lab/edge-visitor';
import { createHomeLan, HOME_HOST, HOME_LAN, type HomeLan } from '../../src/cli/lab/home-lan';
import { startOriginApp } from '../../src/cli/lab/origin-app';
import { netnsSkipReason } from '../netns/support/requirements';
import { launchInNamespace, screenshotDir, snap, type NamespacedBrowser } from './support/browser';

const skip = netnsSkipReason('e2e web console', ['wireguard-go', 'ip', 'nft', 'nginx', 'openssl', 'curl', 'fping', 'chromium']);
const HOST = 'shop.example.test';

describe.skipIf(skip !== '')('desktop UI through the web console against real services (Chromium, netns)', () => {
  let cluster: LabCluster;
  let home: HomeLan;
  let inet: Internet;
  let ca: TestCa;
  let browser: NamespacedBrowser;
  let page: Page;
  let secret = '';
  const shots = screenshotDir('web-console');
  let shot = 0;
  const capture = (name: string) => snap(page, shots, ++shot, name);

  const cliOk = (i: number, args: string[], input?: string): Promise<string> => cluster.cliOk(i, args, { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });
  const pingsFrom = async (i: number, ip: string): Promise<boolean> =>
    (await cluster.lab.exec(i, ['fping', '-q', '-r', '0', '-t', '300', ip])).code === 0;
  const nav = (name: string) => page.getByRole('link', { name, exact: true }).click();
  const secretField = () => page.getByRole('textbox', { name: 'Mesh secret', exact: true });

  beforeAll(async () => {
    cluster = await LabCluster.create({ nodes: 3 });
    home = createHomeLan(cluster, [0]);
    await cluster.startNode(0);
    await cluster.startNode(1, { extraArgs: ['--nginx-mode', 'managed'] });
    await cluster.startNode(2);
    inet = await createInternet(cluster, [1]);
    ca = await createTestCa(join(cluster.lab.tmpDir, 'ca'), [HOST], cluster.lab.prefix);
    await startOriginApp(cluster.lab, 0, 8080);
    const web = snakeKeys(JSON.parse(await cliOk(0, ['web', '--json']))) as { enabled: boolean; url?: string };
    if (!web.url) throw new Error(`the web console did not start: ${JSON.stringify(web)}`);
    browser = await launchInNamespace(cluster.lab.nodeNs(0));
    page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    await page.goto(web.url);
    // The token leaves the address bar at once (it is a credential).
    await page.waitForFunction(() => !(globalThis as unknown as { location: { hash: string } }).location.hash.includes('token='));
    expect(consoleErrors).toEqual([]);
  });

  // A failed step leaves a picture of what the page showed.
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) await capture(`FAILED-${task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    home?.destroy();
    await inet?.destroy();
    await cluster?.destroy();
  });

  it('refuses a bad secret with the rule, before anything is sent', async () => {
    await nav('Join a mesh');
    const field = secretField();
    await field.fill('too short');
    await expect.poll(() => page.getByText('The mesh secret must be at least 16 bytes').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Join', exact: true }).isDisabled()).toBe(true);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await capture('join-bad-secret');
    const status = await cluster.statusJson(0);
    expect(status.tunnel_state).toBe('disconnected');
  });

  it('joins with a secret generated in the UI; the other nodes appear on the dashboard live', async () => {
    await page.getByRole('button', { name: 'Generate a new secret' }).click();
    secret = await secretField().inputValue();
    expect(secret).toMatch(/^wgmesh:\/\/v1\/[A-Za-z0-9_-]{171}$/);
    await expect.poll(() => page.getByRole('img', { name: 'QR code of the new mesh secret' }).isVisible()).toBe(true);
    await capture('join-generated-secret');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.waitForURL(/#\/dashboard/);
    for (const i of [1, 2]) await cliOk(i, ['join', '--secret-file', '-'], secret);
    const peers = page.getByRole('table', { name: 'Peers' });
    await expect.poll(async () => (await peers.textContent()) ?? '', { timeout: 60_000 }).toMatch(/node1[\s\S]*node2|node2[\s\S]*node1/);
    // Live: handshakes arrive without a reload (the ages and byte counters come from the watch stream).
    await expect.poll(async () => (await peers.textContent()) ?? '', { timeout: 60_000 }).toMatch(/Direct/);
    await capture('dashboard-peers');
  });

  it('advertises the home LAN with the routes checkbox; the remote node then reaches the LAN host', async () => {
    expect(await pingsFrom(2, HOME_HOST)).toBe(false);
    await nav('LAN routes');
    const box = page.getByRole('checkbox', { name: `Advertise ${HOME_LAN}` });
    await box.waitFor();
    await capture('routes-before');
    // A controlled checkbox: it turns checked once the service has accepted the advertisement.
    await box.click();
    await expect.poll(() => box.isChecked(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => pingsFrom(2, HOME_HOST), { timeout: 30_000, interval: 250 }).toBe(true);
    await expect.poll(async () => (await page.getByText('Active').count()) > 0, { timeout: 15_000 }).toBe(true);
    await capture('routes-advertised');
  });

  it('says clearly that a dead local service does not answer', async () => {
    await nav('Expose a service');
    await page.getByLabel('URL of the service').fill('http://127.0.0.1:9');
    await page.getByRole('button', { name: 'Check it' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(async () => (await alert.textContent()) ?? '').toMatch(/Nothing answers at .*127\.0\.0\.1:9[\s\S]*connection refused/);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await capture('wizard-dead-service');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(/#\/dashboard/);
  });

  it('walks the wizard until the site answers a visitor through the real nginx edge', async () => {
    await cliOk(1, ['edge', 'enable', '--cert-dir', ca.certDir, '--max-body', '1g']);
    await nav('Expose a service');
    await page.getByRole('radio', { name: /node on port 8080/ }).check();
    await capture('wizard-1-pick');
    await page.getByRole('button', { name: 'Check it' }).click();
    await page.getByText('http://127.0.0.1:8080 answers').first().waitFor();
    await capture('wizard-2-probe');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Public hostnames').fill(HOST);
    expect(await page.getByLabel('Site name').inputValue()).toBe('shop');
    await capture('wizard-3-hostnames');
    await page.getByRole('button', { name: 'Next' }).click();
    const edge = page.getByRole('article', { name: 'Edge node1' });
    await expect.poll(async () => (await edge.textContent()) ?? '', { timeout: 30_000 }).toContain('Ready');
    await capture('wizard-4-edges');
    await page.getByRole('button', { name: 'Expose site' }).click();
    // Verification starts at once and first waits for the edge to serve the new site.
    const banner = page.getByText('The site works through the edges');
    await banner.waitFor({ timeout: 120_000 });
    const through = page.getByRole('region', { name: 'Through node1' });
    expect(await through.textContent()).toMatch(/101 Switching Protocols, echo ok/);
    // The app takes uploads at /upload: check the upload there, through the edge, with progress.
    await page.getByText('Paths of the checks').click();
    await page.getByLabel('Upload path').fill('/upload');
    await page.getByRole('button', { name: 'Verify again' }).click();
    await expect.poll(async () => (await through.textContent()) ?? '', { timeout: 120_000 }).toMatch(/200 like the service, 8\.0 MiB in/);
    await banner.waitFor({ timeout: 60_000 });
    await capture('wizard-5-verified');
    await page.getByRole('button', { name: 'Finish' }).click();
    await page.getByRole('link', { name: `https://${HOST}/` }).waitFor();
    await capture('wizard-6-done');
    // A visitor on the internet gets the origin's answer from the edge, over TLS.
    const r = await visitorCurl(inet, { edge: 1, host: HOST, caFile: ca.caFile, path: '/static/hello.txt' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello from the cloudroof origin app\n');
    await nav('Dashboard');
    await expect.poll(async () => (await page.getByText(`https://${HOST}/`).count()) > 0, { timeout: 30_000 }).toBe(true);
    await capture('dashboard-site-live');
  });

  it('shows the secret only after asking, and the settings of the web console', async () => {
    await nav('Settings');
    await capture('settings');
    await page.getByRole('button', { name: 'Show secret…' }).click();
    await capture('settings-reveal-confirm');
    await page.getByRole('alertdialog', { name: 'Show the mesh secret?' }).getByRole('button', { name: 'Show secret', exact: true }).click();
    await expect.poll(async () => (await page.textContent('body')) ?? '').toContain(secret);
    // The reveal answer is the only place the secret appears: never in the service's log.
    const log = cluster.lab.readLog(0, 'cloudroofd');
    expect(log).not.toContain(secret.slice('wgmesh://v1/'.length, 40));
    expect(log).toContain('mesh secret revealed to a control client');
  });
});
