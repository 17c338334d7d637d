import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ControlError } from '../../../shared/protocol';
import { createFakeApi } from '../../test-support/fake-api';
import { sampleRoutes } from '../../test-support/fixtures';
import { renderWithApp } from '../../test-support/render';
import { RoutesScreen } from './RoutesScreen';

const box = (name: RegExp | string) => screen.findByRole('checkbox', { name }) as Promise<HTMLInputElement>;

describe('RoutesScreen', () => {
  it('the checkbox advertises a detected network, unchecking withdraws it', async () => {
    const { fake } = renderWithApp(<RoutesScreen />);
    const lan = await box('Advertise 192.168.1.0/24');
    expect(lan.checked).toBe(false);
    fireEvent.click(lan);
    await waitFor(() => expect(lan.checked).toBe(true));
    expect(fake.callsTo('advertiseRoutes')).toEqual([{ prefixes: ['192.168.1.0/24'], masquerade: true }]);
    expect(screen.getByText('Active')).toBeTruthy();
    fireEvent.click(lan);
    await waitFor(() => expect(lan.checked).toBe(false));
    expect(fake.callsTo('withdrawRoutes')).toEqual([{ prefixes: ['192.168.1.0/24'] }]);
  });

  it('disables advertising with the reason and shows the fixes when the preflight fails', async () => {
    const fake = createFakeApi();
    fake.state.check = {
      ok: false,
      findings: [
        { id: 'ip-forwarding-off', severity: 'error', message: 'IPv4 forwarding is off', fix: 'sysctl -w net.ipv4.ip_forward=1' },
        { id: 'rp-filter-strict', severity: 'warning', message: 'rp_filter is strict on eth0', fix: 'sysctl -w net.ipv4.conf.eth0.rp_filter=2' },
      ],
    };
    renderWithApp(<RoutesScreen />, { fake });
    const lan = await box('Advertise 192.168.1.0/24');
    await waitFor(() => expect(lan.disabled).toBe(true));
    expect(screen.getAllByText(/Advertising is disabled until the preflight passes: IPv4 forwarding is off/)).toHaveLength(2);
    const findings = screen.getByRole('list', { name: 'Preflight findings' });
    expect(within(findings).getByText('sysctl -w net.ipv4.ip_forward=1')).toBeTruthy();
    expect(within(findings).getByText('rp_filter is strict on eth0', { exact: false })).toBeTruthy();
  });

  it('an advertised route can still be withdrawn while the preflight fails; its error is shown', async () => {
    const fake = createFakeApi();
    fake.state.check = { ok: false, findings: [{ id: 'ip-forwarding-off', severity: 'error', message: 'IPv4 forwarding is off', fix: 'x' }] };
    fake.state.routes = sampleRoutes({ advertised: [{ prefix: '192.168.1.0/24', masquerade: true, state: 'error', error: 'forwarding is off' }] });
    renderWithApp(<RoutesScreen />, { fake });
    const lan = await box('Advertise 192.168.1.0/24');
    await waitFor(() => expect(lan.checked).toBe(true));
    expect(lan.disabled).toBe(false);
    expect(screen.getByText('Error: forwarding is off')).toBeTruthy();
  });

  it('shows the service’s error when advertising is refused', async () => {
    const { fake } = renderWithApp(<RoutesScreen />);
    fake.service.advertiseRoutes = () => { throw new ControlError('route-overlaps-mesh', '192.168.1.0/24 overlaps the mesh subnet 192.168.0.0/16'); };
    fireEvent.click(await box('Advertise 192.168.1.0/24'));
    expect((await screen.findByRole('alert')).textContent).toBe('192.168.1.0/24 overlaps the mesh subnet 192.168.0.0/16');
  });

  it('masquerade and accept-routes go to the service', async () => {
    const fake = createFakeApi();
    fake.state.routes = sampleRoutes({ advertised: [{ prefix: '192.168.1.0/24', masquerade: true, state: 'active' }] });
    renderWithApp(<RoutesScreen />, { fake });
    const masq = await box(/Masquerade/);
    await waitFor(() => expect(masq.checked).toBe(true));
    fireEvent.click(masq);
    await waitFor(() => expect(masq.checked).toBe(false));
    expect(fake.callsTo('advertiseRoutes')).toEqual([{ prefixes: ['192.168.1.0/24'], masquerade: false }]);
    fireEvent.click(await box('Accept routes from other nodes'));
    await waitFor(() => expect(fake.callsTo('patchPrefs')).toEqual([{ acceptRoutes: false }]));
  });

  it('fetches each resource once on opening, and the routes once more after accept-routes changes', async () => {
    const { fake } = renderWithApp(<RoutesScreen />);
    const accept = await box('Accept routes from other nodes');
    await new Promise((r) => setTimeout(r, 20));
    expect([fake.callsTo('routes'), fake.callsTo('detectRoutes'), fake.callsTo('checkRoutes')].map((c) => c.length)).toEqual([1, 1, 1]);
    fireEvent.click(accept);
    await waitFor(() => expect(fake.callsTo('routes')).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.callsTo('routes')).toHaveLength(2);
  });
});
