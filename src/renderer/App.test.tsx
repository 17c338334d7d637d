import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import { createFakeApi } from './test-support/fake-api';
import { sampleApp } from './test-support/fixtures';
import { renderWithApp } from './test-support/render';

describe('App', () => {
  it('shows the screen of the hash route and marks it in the navigation', async () => {
    renderWithApp(<App />);
    expect(screen.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeTruthy();
    act(() => { window.location.hash = '#/routes'; });
    expect(await screen.findByRole('heading', { level: 1, name: 'LAN routes' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'LAN routes' }).getAttribute('aria-current')).toBe('page');
  });

  it('follows the navigate event from main (a tray item)', async () => {
    const { fake } = renderWithApp(<App />);
    act(() => fake.emit('navigate', { route: 'expose' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Expose a service' })).toBeTruthy();
  });

  it('shows the setup screen while the service cannot be used, and the app once it can', async () => {
    const { fake } = renderWithApp(<App />, { app: sampleApp({ connection: { state: 'not-installed' }, install: { action: 'install', bundledVersion: '0.2.0' } }) });
    expect(screen.getByRole('heading', { name: 'Set up Cloudroof' })).toBeTruthy();
    expect(screen.queryByRole('navigation')).toBeNull();
    act(() => fake.emit('app', sampleApp()));
    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeTruthy();
  });

  it('shows the connection, tray and update banners', async () => {
    const app = sampleApp({
      connection: { state: 'error', message: 'connect ECONNREFUSED /run/cloudroof/cloudroofd.sock' },
      tray: { available: false, hint: 'install gnome-shell-extension-appindicator, then log out and in' },
      update: { state: 'ready', version: '0.3.0' },
    });
    const { fake } = renderWithApp(<App />, { app });
    expect(screen.getByText('The Cloudroof service cannot be reached')).toBeTruthy();
    expect(screen.getByText('connect ECONNREFUSED /run/cloudroof/cloudroofd.sock')).toBeTruthy();
    expect(screen.getByText('install gnome-shell-extension-appindicator, then log out and in')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText('No tray icon on this desktop')).toBeNull();
    expect(screen.getByText('Cloudroof 0.3.0 is ready to install')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Restart and update' }));
    await waitFor(() => expect(fake.callsTo('installUpdate')).toHaveLength(1));
  });

  it('says what to do when the web console refuses the token', async () => {
    const fake = createFakeApi();
    fake.app.getAppState = () => { throw Object.assign(new Error('open the URL `cloudroof web` printed again'), { code: 'unauthorized' }); };
    renderWithApp(<App />, { fake, prime: false });
    expect(await screen.findByText('This page has no access to the service')).toBeTruthy();
    expect(screen.getByText('open the URL `cloudroof web` printed again')).toBeTruthy();
  });
});
