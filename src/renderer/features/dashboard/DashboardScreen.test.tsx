import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ControlError } from '../../../shared/protocol';
import { NOW, sampleApp, samplePeer, sampleRoutes, sampleSite, sampleStatus } from '../../test-support/fixtures';
import { renderWithApp } from '../../test-support/render';
import { DashboardScreen } from './DashboardScreen';

afterEach(() => vi.useRealTimers());

const peersTable = () => screen.getByRole('table', { name: 'Peers' });

describe('DashboardScreen', () => {
  it('shows this node and the peers of the watch snapshot', async () => {
    renderWithApp(<DashboardScreen />);
    expect(screen.getByText('10.42.7.1')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy mesh IPv4 address' })).toBeTruthy();
    const rows = within(peersTable()).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getByText('vps-1')).toBeTruthy();
    expect(within(rows[1]!).getByText('Direct')).toBeTruthy();
    expect(within(rows[1]!).getByText('1.5 KiB')).toBeTruthy();
    expect(within(rows[1]!).getByText('20.0 MiB')).toBeTruthy();
    expect(within(rows[2]!).getByText('Relayed via vps-1')).toBeTruthy();
    await screen.findByText('This node exposes no sites.', { exact: false });
  });

  it('updates the peers live from watch events, and ticks the handshake age every second', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { fake } = renderWithApp(<DashboardScreen />);
    expect(within(peersTable()).getAllByText('5s ago')).toHaveLength(2);
    act(() => { vi.advanceTimersByTime(1000); });
    expect(within(peersTable()).getAllByText('6s ago')).toHaveLength(2);
    act(() => {
      fake.emit('watch', { type: 'peers', peers: [samplePeer({ hostname: 'edge-7', meshIPv4: '10.42.9.9', path: 'direct-lan', lastHandshakeTime: NOW })] });
    });
    expect(within(peersTable()).getAllByRole('row')).toHaveLength(2);
    expect(within(peersTable()).getByText('edge-7')).toBeTruthy();
    expect(within(peersTable()).getByText('Direct (LAN)')).toBeTruthy();
  });

  it('shows advertised and accepted routes with conflicts, and sites with their edges', async () => {
    const { fake } = renderWithApp(<DashboardScreen />);
    fake.state.routes = sampleRoutes({
      advertised: [{ prefix: '192.168.1.0/24', masquerade: true, state: 'error', error: 'IP forwarding is off' }],
      accepted: [{ prefix: '10.9.0.0/16', via: { publicKey: 'K'.repeat(43) + '=', hostname: 'office', meshIPv4: '10.42.5.5' }, installed: false, conflict: 'overlaps eth1 (10.9.0.0/16)', standby: [] }],
    });
    fake.state.sites = [sampleSite()];
    act(() => { fake.emit('watch', { type: 'status', status: sampleStatus() }); });
    expect(await screen.findByText('Error: IP forwarding is off')).toBeTruthy();
    expect(screen.getByText('Not installed: overlaps eth1 (10.9.0.0/16)')).toBeTruthy();
    const site = await screen.findByRole('article', { name: 'Site blog' });
    expect(within(site).getByText('Healthy · 3 ms')).toBeTruthy();
    expect(within(site).getByText('Serving')).toBeTruthy();
    expect(within(site).getByRole('link', { name: 'https://blog.example.com/' })).toBeTruthy();
  });

  it('the toggle sends the intent, shows it at once, and points to Join without a stored secret', async () => {
    const { fake } = renderWithApp(<DashboardScreen />, { status: sampleStatus({ wantConnected: false, tunnelState: 'disconnected' }) });
    const toggle = screen.getByRole('switch', { name: 'Join mesh' });
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    fake.service.patchPrefs = () => { throw new ControlError('not-joined', 'no mesh secret is stored yet; join with a secret first'); };
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    expect((await screen.findByRole('alert')).textContent).toContain('no mesh secret is stored yet');
    expect(screen.getByRole('link', { name: 'open the join screen' }).getAttribute('href')).toBe('#/join');
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    expect(fake.callsTo('patchPrefs')).toEqual([{ wantConnected: true }]);
  });

  it('shows the state main expects (a tray click) before the service confirms it', () => {
    renderWithApp(<DashboardScreen />, { app: sampleApp({ expected: { wantConnected: false } }) });
    expect(screen.getByRole('switch', { name: 'Join mesh' }).getAttribute('aria-checked')).toBe('false');
  });

  it('turning the toggle off keeps it off once the service confirms', async () => {
    const { fake } = renderWithApp(<DashboardScreen />);
    fake.service.status = () => sampleStatus({ wantConnected: false, tunnelState: 'disconnected' });
    fireEvent.click(screen.getByRole('switch', { name: 'Join mesh' }));
    await waitFor(() => expect(screen.getAllByText('Disconnected').length).toBeGreaterThan(0));
    expect(screen.getByRole('switch', { name: 'Join mesh' }).getAttribute('aria-checked')).toBe('false');
  });
});
