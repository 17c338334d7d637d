import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AppState } from '../../../shared/ipc';
import { createFakeApi, deferred } from '../../test-support/fake-api';
import { sampleApp } from '../../test-support/fixtures';
import { renderWithApp } from '../../test-support/render';
import { SetupScreen } from './SetupScreen';

const notInstalled = (over: Partial<AppState> = {}): AppState =>
  sampleApp({ connection: { state: 'not-installed' }, install: { action: 'install', bundledVersion: '0.2.0' }, ...over });

describe('SetupScreen', () => {
  it('first launch: says what will be installed and why, installs with progress', async () => {
    const fake = createFakeApi({ app: notInstalled() });
    const hold = deferred();
    const install = fake.app.installService;
    fake.app.installService = async (req) => { await hold.promise; return install(req); };
    renderWithApp(<SetupScreen />, { fake });
    expect(screen.getByRole('heading', { name: 'Set up Cloudroof' })).toBeTruthy();
    expect(screen.getByText('The cloudroofd service')).toBeTruthy();
    expect(screen.getByText('A systemd unit')).toBeTruthy();
    expect(screen.getByText(/group with you in it/)).toBeTruthy();
    expect(screen.getByText(/asks for your password once/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Install service' }));
    const busy = screen.getByRole('button', { name: 'Installing…' }) as HTMLButtonElement;
    expect(busy.disabled).toBe(true);
    expect(screen.getByText(/Waiting for the administrator password prompt/)).toBeTruthy();
    hold.resolve();
    await waitFor(() => expect(fake.callsTo('installService')).toHaveLength(1));
  });

  it('shows why the install failed (the prompt was cancelled)', async () => {
    const fake = createFakeApi({ app: notInstalled({ platform: 'darwin' }) });
    fake.app.installService = () => { throw Object.assign(new Error('The administrator password prompt was cancelled; nothing was changed'), { code: 'install-cancelled' }); };
    renderWithApp(<SetupScreen />, { fake });
    expect(screen.getByText('A LaunchDaemon')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Install service' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The administrator password prompt was cancelled; nothing was changed');
  });

  it('the upgrade case: the app needs a newer service', () => {
    renderWithApp(<SetupScreen />, {
      app: sampleApp({ connection: { state: 'incompatible', message: 'the service speaks protocol 0; this app needs 1' }, install: { action: 'upgrade', bundledVersion: '0.2.0', installedVersion: '0.1.0' } }),
    });
    expect(screen.getByRole('heading', { name: 'The app needs a newer service' })).toBeTruthy();
    expect(screen.getByText('the service speaks protocol 0; this app needs 1')).toBeTruthy();
    expect(screen.getByText(/installed 0.1.0, this app carries 0.2.0/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Upgrade service' })).toBeTruthy();
  });

  it('incompatible without an installer says what to do', () => {
    renderWithApp(<SetupScreen />, {
      app: sampleApp({ connection: { state: 'incompatible' }, install: { action: 'unsupported', reason: 'The service (0.9.0) is newer than this app: update the app.', bundledVersion: '0.2.0' } }),
    });
    expect(screen.getByRole('heading', { name: 'This app and the service do not match' })).toBeTruthy();
    expect(screen.getByText('The service (0.9.0) is newer than this app: update the app.')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('permission denied: log out and in again', () => {
    renderWithApp(<SetupScreen />, { app: sampleApp({ connection: { state: 'permission-denied' }, install: { action: 'none', bundledVersion: '0.2.0' } }) });
    expect(screen.getByRole('heading', { name: 'Cloudroof cannot talk to its service yet' })).toBeTruthy();
    expect(screen.getByText(/Log out and log in again/)).toBeTruthy();
    expect(screen.getByText(/usermod -aG cloudroof/)).toBeTruthy();
  });

  it('not running and untrusted socket say what to check', () => {
    const { unmount } = renderWithApp(<SetupScreen />, { app: sampleApp({ connection: { state: 'not-running' }, install: { action: 'install', bundledVersion: '0.2.0' } }) });
    expect(screen.getByText(/sudo systemctl start cloudroofd/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Install service' })).toBeTruthy();
    unmount();
    renderWithApp(<SetupScreen />, { app: sampleApp({ connection: { state: 'untrusted-socket', message: '/run/cloudroof/cloudroofd.sock is owned by uid 1000' } }) });
    expect(screen.getByText(/refuses to use it/)).toBeTruthy();
    expect(screen.getByText('/run/cloudroof/cloudroofd.sock is owned by uid 1000')).toBeTruthy();
  });

  it('the web console has no installer and explains', () => {
    renderWithApp(<SetupScreen />, { app: sampleApp({ environment: 'web', connection: { state: 'connected' }, install: undefined }) });
    expect(screen.getByText(/there is no installer here/)).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });
});
