import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ControlError } from '../../../shared/protocol';
import { createFakeApi } from '../../test-support/fake-api';
import { sampleApp } from '../../test-support/fixtures';
import { renderWithApp } from '../../test-support/render';
import { SettingsScreen } from './SettingsScreen';

const TOKEN = `wgmesh://v1/${'A'.repeat(171)}`;
const button = (name: string | RegExp) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('SettingsScreen', () => {
  it('asks before revealing the secret, shows it with a QR code, and hides it on leaving the screen', async () => {
    const fake = createFakeApi();
    fake.state.secret = TOKEN;
    const { unmount, store } = renderWithApp(<SettingsScreen />, { fake });
    fireEvent.click(button('Show secret…'));
    const dialog = screen.getByRole('alertdialog', { name: 'Show the mesh secret?' });
    expect(fake.callsTo('revealSecret')).toEqual([]);
    expect(screen.queryByText(TOKEN)).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Show secret' }));
    expect(await screen.findByText(TOKEN)).toBeTruthy();
    expect(fake.callsTo('revealSecret')).toEqual([{ confirm: true }]);
    expect(screen.getByRole('img', { name: 'QR code of the mesh secret' })).toBeTruthy();
    expect(JSON.stringify(store.getState())).not.toContain(TOKEN);
    fireEvent.click(button('Hide secret'));
    expect(screen.queryByText(TOKEN)).toBeNull();
    fireEvent.click(button('Show secret…'));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel' }));
    expect(fake.callsTo('revealSecret')).toHaveLength(1);
    unmount();
    renderWithApp(<SettingsScreen />, { fake });
    expect(screen.queryByText(TOKEN)).toBeNull();
  });

  it('rotating explains first, joins a new token with switch, and shows it', async () => {
    const { fake } = renderWithApp(<SettingsScreen />);
    fireEvent.click(button('Rotate secret…'));
    const dialog = screen.getByRole('alertdialog', { name: 'Rotate the mesh secret?' });
    expect(dialog.textContent).toContain('Every other node must join the new secret too');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rotate secret' }));
    const view = await screen.findByRole('figure', { name: 'New mesh secret' });
    const [join] = fake.callsTo('join') as { secret: string; switch: boolean }[];
    expect(join?.switch).toBe(true);
    expect(join?.secret).toMatch(/^wgmesh:\/\/v1\//);
    expect(within(view).getByText(join!.secret)).toBeTruthy();
  });

  it('saves interface name and port, and shows a taken port at the port field', async () => {
    const { fake } = renderWithApp(<SettingsScreen />);
    const port = await screen.findByLabelText('Listen port') as HTMLInputElement;
    await waitFor(() => expect(port.value).toBe('51820'));
    fake.service.patchPrefs = () => { throw new ControlError('port-in-use', 'UDP port 51821 is in use by another program'); };
    fireEvent.change(port, { target: { value: '51821' } });
    fireEvent.click(button('Save'));
    const err = await screen.findByText('UDP port 51821 is in use by another program');
    expect(port.getAttribute('aria-describedby')).toContain(err.id);
    expect(port.getAttribute('aria-invalid')).toBe('true');
    expect(fake.callsTo('patchPrefs')).toEqual([{ listenPort: 51821 }]);
    fireEvent.change(port, { target: { value: '70000' } });
    fireEvent.click(button('Save'));
    expect(screen.getByText('A port is a whole number from 1 to 65535')).toBeTruthy();
    expect(fake.callsTo('patchPrefs')).toHaveLength(1);
  });

  it('an interface name error lands at its field; a good change is saved', async () => {
    const { fake } = renderWithApp(<SettingsScreen />);
    const iface = await screen.findByLabelText('Interface name');
    fake.service.patchPrefs = () => { throw new ControlError('invalid-interface', 'interface name "a b" is invalid'); };
    fireEvent.change(iface, { target: { value: 'a b' } });
    fireEvent.click(button('Save'));
    expect(await screen.findByText('interface name "a b" is invalid')).toBeTruthy();
    fake.service.patchPrefs = (patch) => ({ wantConnected: true, logLevel: 'info', advertiseRoutes: [], acceptRoutes: true, ...patch });
    fireEvent.change(iface, { target: { value: 'wg7' } });
    fireEvent.click(button('Save'));
    await waitFor(() => expect(button('Save').disabled).toBe(true));
    expect(fake.callsTo('patchPrefs').at(-1)).toEqual({ interfaceName: 'wg7' });
  });

  it('app settings and uninstall go to main; the web console hides them', async () => {
    const { fake, unmount } = renderWithApp(<SettingsScreen />);
    fireEvent.click(screen.getByRole('switch', { name: 'Launch at login' }));
    await waitFor(() => expect(screen.getByRole('switch', { name: 'Launch at login' }).getAttribute('aria-checked')).toBe('true'));
    expect(fake.callsTo('setAppSettings')).toEqual([{ launchAtLogin: true }]);
    fireEvent.click(button('Uninstall service…'));
    const dialog = screen.getByRole('alertdialog', { name: 'Uninstall the Cloudroof service?' });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /identity and the mesh secret/ }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Uninstall' }));
    await waitFor(() => expect(fake.callsTo('uninstallService')).toEqual([{ purge: true }]));
    unmount();
    renderWithApp(<SettingsScreen />, { app: sampleApp({ environment: 'web', settings: undefined, update: { state: 'disabled' }, install: undefined, tray: undefined }) });
    expect(screen.queryByRole('switch', { name: 'Launch at login' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Uninstall service…' })).toBeNull();
    expect(screen.getByText(/settings of the desktop app/)).toBeTruthy();
  });

  it('offers to install an update that is ready', async () => {
    const { fake } = renderWithApp(<SettingsScreen />, { app: sampleApp({ update: { state: 'ready', version: '0.3.0' } }) });
    expect(screen.getByText('Version 0.3.0 is ready: restart to install it.')).toBeTruthy();
    fireEvent.click(button('Restart and install'));
    await waitFor(() => expect(fake.callsTo('installUpdate')).toHaveLength(1));
  });
});
