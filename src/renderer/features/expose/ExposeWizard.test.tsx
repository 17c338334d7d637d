import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { VerifyStep } from '../../../shared/protocol';
import { createFakeApi, deferred, type FakeApi } from '../../test-support/fake-api';
import { sampleEdge, sampleLocalService, sampleProbe, sampleSite } from '../../test-support/fixtures';
import { renderWithApp } from '../../test-support/render';
import { ExposeWizard } from './ExposeWizard';

const button = (name: string | RegExp) => screen.getByRole('button', { name }) as HTMLButtonElement;
const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const heading = () => screen.getByRole('heading', { level: 2 }).textContent;

function wizardFake(): FakeApi {
  const fake = createFakeApi();
  fake.state.localServices = [sampleLocalService(), sampleLocalService({ port: 8080, process: 'nginx', url: 'http://127.0.0.1:8080', pid: 77 })];
  fake.state.edges = [sampleEdge(), sampleEdge({ publicKey: 'F'.repeat(43) + '=', hostname: 'edge-2', certificates: [], nginx: { available: true, running: false } })];
  return fake;
}

/** Steps 1–3: pick node:3000, probe, hostnames; ends on the edges step. */
async function walkToEdges(fake: FakeApi): Promise<void> {
  fireEvent.click(await screen.findByRole('radio', { name: /node on port 3000/ }));
  fireEvent.click(button('Check it'));
  await screen.findByText('http://127.0.0.1:3000 answers');
  fireEvent.click(button('Next'));
  type('Public hostnames', 'app.example.com');
  expect((screen.getByLabelText('Site name') as HTMLInputElement).value).toBe('app');
  fireEvent.click(button('Next'));
  await screen.findByRole('article', { name: 'Edge edge-1' });
  expect(fake.callsTo('probeSite')).toEqual([{ target: 'http://127.0.0.1:3000' }]);
}

/** Renders the wizard over `fake` with a verification that never ends, and exposes the site. */
async function walkToVerify(fake: FakeApi): Promise<void> {
  fake.verifySite = () => new Promise(() => undefined);
  renderWithApp(<ExposeWizard />, { fake });
  await walkToEdges(fake);
  fireEvent.click(button('Expose site'));
  await screen.findByText('5. Verify');
}

const step = (check: VerifyStep['check'], state: VerifyStep['state'], more: Partial<VerifyStep> = {}): VerifyStep =>
  ({ edge: '10.42.3.3', edgeHostname: 'edge-1', check, state, ...more });

describe('ExposeWizard', () => {
  it('walks all six steps: pick, probe, hostnames, edges, expose + verify with progress, done', async () => {
    const fake = wizardFake();
    const upload = deferred();
    fake.verifySite = async (_req, emit) => {
      emit({ type: 'step', step: step('request', 'passed', { detail: '200 OK', latencyMs: 12 }) });
      emit({ type: 'step', step: step('upload', 'running', { progress: 0.5 }) });
      await upload.promise;
      const steps = [step('request', 'passed'), step('websocket', 'passed'), step('sse', 'skipped', { detail: 'the service does not answer SSE' }), step('upload', 'passed')];
      emit({ type: 'done', ok: true, steps, publicUrls: ['https://app.example.com/'] });
    };
    renderWithApp(<ExposeWizard />, { fake });
    await walkToEdges(fake);
    const ready = screen.getByRole('article', { name: 'Edge edge-1' });
    expect(within(ready).getByText('Ready')).toBeTruthy();
    const notReady = screen.getByRole('article', { name: 'Edge edge-2' });
    expect(within(notReady).getByText('nginx is not running')).toBeTruthy();
    expect(within(notReady).getByText(/put fullchain.pem and privkey.pem for app.example.com in \/etc\/cloudroof\/certs\/app.example.com\//)).toBeTruthy();
    expect(within(notReady).getByText(/certbot certonly --webroot -w \/var\/lib\/cloudroof\/edge\/acme -d app.example.com/)).toBeTruthy();
    fireEvent.click(button('Expose site'));
    await screen.findByText('200 OK');
    expect(fake.callsTo('exposeSite')).toEqual([{ name: 'app', target: 'http://127.0.0.1:3000', hostnames: ['app.example.com'] }]);
    expect(fake.callsTo('verifySite')).toEqual([{ name: 'app', paths: { websocket: '/ws', sse: '/sse' } }]);
    expect((screen.getByRole('progressbar', { name: 'Upload progress' }) as HTMLProgressElement).value).toBe(0.5);
    expect(button('Finish').disabled).toBe(true);
    upload.resolve();
    await screen.findByText('The site works through the edges');
    expect(screen.getByText('the service does not answer SSE')).toBeTruthy();
    fireEvent.click(button('Finish'));
    expect(heading()).toBe('6. Done');
    expect(within(screen.getByRole('list', { name: 'Public URLs' })).getByRole('link', { name: 'https://app.example.com/' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Show it on the dashboard' }).getAttribute('href')).toBe('#/dashboard?site=app');
    expect(fake.state.sites?.map((s) => s.name)).toEqual(['app']);
  });

  it('says clearly when nothing answers, and checks again', async () => {
    const fake = wizardFake();
    fake.state.probe = sampleProbe({ ok: false, status: undefined, title: undefined, error: 'connection refused' });
    renderWithApp(<ExposeWizard />, { fake });
    type('URL of the service', '127.0.0.1:9999');
    fireEvent.click(button('Check it'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Nothing answers at 127.0.0.1:9999');
    expect(alert.textContent).toContain('connection refused');
    expect(button('Next').disabled).toBe(true);
    fake.state.probe = sampleProbe({ target: '127.0.0.1:9999' });
    fireEvent.click(button('Check again'));
    await screen.findByText(/Looks like “My app” · node · text\/html/);
    expect(button('Next').disabled).toBe(false);
    expect(fake.callsTo('probeSite')).toHaveLength(2);
  });

  it('refuses a bad URL and bad hostnames with the rule', async () => {
    renderWithApp(<ExposeWizard />, { fake: wizardFake() });
    type('URL of the service', 'ftp://x:1');
    expect(screen.getByText(/the scheme must be http or https/)).toBeTruthy();
    expect(button('Check it').disabled).toBe(true);
    type('URL of the service', 'http://127.0.0.1:3000');
    fireEvent.click(button('Check it'));
    await screen.findByText('http://127.0.0.1:3000 answers');
    fireEvent.click(button('Next'));
    type('Public hostnames', '192.0.2.1');
    expect(screen.getByText(/an IP address is not a hostname/)).toBeTruthy();
    expect(button('Next').disabled).toBe(true);
  });

  it('Cancel after exposing removes the site the wizard created', async () => {
    const fake = wizardFake();
    await walkToVerify(fake);
    expect(fake.state.sites?.map((s) => s.name)).toEqual(['app']);
    fireEvent.click(button('Cancel'));
    await waitFor(() => expect(window.location.hash).toBe('#/dashboard'));
    expect(fake.callsTo('removeSite')).toEqual([{ name: 'app' }]);
    expect(fake.state.sites).toEqual([]);
  });

  it('Back from the verification removes the site; Back works on every step', async () => {
    const fake = wizardFake();
    await walkToVerify(fake);
    fireEvent.click(button('Back'));
    await screen.findByText('4. Edges');
    expect(fake.state.sites).toEqual([]);
    fireEvent.click(button('Back'));
    expect(heading()).toBe('3. Public hostname');
    expect((screen.getByLabelText('Public hostnames') as HTMLInputElement).value).toBe('app.example.com');
    fireEvent.click(button('Back'));
    expect(heading()).toBe('2. Check');
    fireEvent.click(button('Back'));
    expect(heading()).toBe('1. Local service');
    expect((screen.getByRole('radio', { name: /node on port 3000/ }) as HTMLInputElement).checked).toBe(true);
  });

  it('a replaced site is put back on Cancel, and leaving the screen undoes like Cancel', async () => {
    const fake = wizardFake();
    const old = sampleSite({ name: 'app', target: 'http://127.0.0.1:5000', hostnames: ['old.example.com'] });
    fake.state.sites = [old];
    fake.verifySite = () => new Promise(() => undefined);
    const { unmount } = renderWithApp(<ExposeWizard />, { fake });
    await walkToEdges(fake);
    fireEvent.click(button('Back'));
    expect(await screen.findByText('A site named app already exists')).toBeTruthy();
    fireEvent.click(button('Next'));
    fireEvent.click(await screen.findByRole('button', { name: 'Expose site' }));
    await screen.findByText('5. Verify');
    expect(fake.state.sites?.[0]?.target).toBe('http://127.0.0.1:3000');
    unmount();
    await waitFor(() => expect(fake.state.sites?.[0]?.target).toBe('http://127.0.0.1:5000'));
    expect(fake.callsTo('exposeSite').at(-1)).toEqual({ name: 'app', target: 'http://127.0.0.1:5000', hostnames: ['old.example.com'], healthPath: '/', healthIntervalS: 10 });
    expect(fake.callsTo('removeSite')).toEqual([]);
  });

  it('explains how to make an edge when the mesh has none', async () => {
    const fake = wizardFake();
    fake.state.edges = [];
    renderWithApp(<ExposeWizard />, { fake });
    fireEvent.click(await screen.findByRole('radio', { name: /node on port 3000/ }));
    fireEvent.click(button('Check it'));
    await screen.findByText('http://127.0.0.1:3000 answers');
    fireEvent.click(button('Next'));
    type('Public hostnames', 'app.example.com');
    fireEvent.click(button('Next'));
    expect(await screen.findByText('No edge in this mesh yet')).toBeTruthy();
    expect(screen.getByText(/sudo cloudroof edge enable/)).toBeTruthy();
  });

  it('shows why the verification could not run, and runs it again with edited paths', async () => {
    const fake = wizardFake();
    let calls = 0;
    fake.verifySite = async () => { calls++; throw Object.assign(new Error('no edge has reported on app yet'), { code: 'edge-not-found' }); };
    renderWithApp(<ExposeWizard />, { fake });
    await walkToEdges(fake);
    fireEvent.click(button('Expose site'));
    expect((await screen.findByRole('alert')).textContent).toContain('no edge has reported on app yet');
    type('WebSocket path', '/socket');
    fireEvent.click(button('Verify again'));
    await waitFor(() => expect(calls).toBe(2));
    expect(fake.callsTo('verifySite').at(-1)).toEqual({ name: 'app', paths: { websocket: '/socket', sse: '/sse' } });
  });
});
