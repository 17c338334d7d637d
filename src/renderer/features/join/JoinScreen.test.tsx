import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ControlError } from '../../../shared/protocol';
import { disconnectedStatus } from '../../test-support/fixtures';
import { renderWithApp } from '../../test-support/render';
import { JoinScreen } from './JoinScreen';

const secretInput = () => screen.getByLabelText('Mesh secret') as HTMLInputElement;
const joinButton = () => screen.getByRole('button', { name: 'Join' }) as HTMLButtonElement;
const type = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });
const GOOD = 'correct horse battery staple';

describe('JoinScreen', () => {
  it('checks the secret as it is typed, with the rule in the message', () => {
    renderWithApp(<JoinScreen />, { status: disconnectedStatus() });
    expect(joinButton().disabled).toBe(true);
    type(secretInput(), 'too short');
    expect(screen.getByText('The mesh secret must be at least 16 bytes')).toBeTruthy();
    expect(secretInput().getAttribute('aria-invalid')).toBe('true');
    expect(joinButton().disabled).toBe(true);
    type(secretInput(), GOOD);
    expect(screen.queryByText('The mesh secret must be at least 16 bytes')).toBeNull();
    expect(screen.getByText(/harder to guess/)).toBeTruthy();
    expect(joinButton().disabled).toBe(false);
  });

  it('shows the service’s error for a refused secret and stays on the screen', async () => {
    const { fake } = renderWithApp(<JoinScreen />, { status: disconnectedStatus() });
    fake.service.join = () => { throw new ControlError('invalid-secret', 'the mesh secret must be at least 16 bytes'); };
    type(secretInput(), GOOD);
    fireEvent.click(joinButton());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not join');
    expect(alert.textContent).toContain('the mesh secret must be at least 16 bytes');
    expect(window.location.hash).toBe('');
  });

  it('generates a wgmesh token, shows it with Copy and a QR code of SVG elements', () => {
    renderWithApp(<JoinScreen />, { status: disconnectedStatus() });
    fireEvent.click(screen.getByRole('button', { name: 'Generate a new secret' }));
    expect(secretInput().value).toMatch(/^wgmesh:\/\/v1\/[A-Za-z0-9_-]{171}$/);
    const view = screen.getByRole('figure', { name: 'New mesh secret' });
    expect(within(view).getByText(secretInput().value)).toBeTruthy();
    expect(within(view).getByRole('button', { name: 'Copy new mesh secret' })).toBeTruthy();
    const qr = within(view).getByRole('img', { name: 'QR code of the new mesh secret' });
    expect(qr.tagName.toLowerCase()).toBe('svg');
    expect(qr.querySelector('path')?.getAttribute('d')).toMatch(/^M\d+ \d+h1v1h-1z/);
    expect(document.querySelector('[style]')).toBeNull();
  });

  it('joins, forgets the secret, keeps it out of the store and the console, and shows the dashboard', async () => {
    const log = vi.spyOn(console, 'log');
    const { fake, store } = renderWithApp(<JoinScreen />, { status: disconnectedStatus() });
    type(secretInput(), GOOD);
    fireEvent.click(joinButton());
    await waitFor(() => expect(window.location.hash).toBe('#/dashboard'));
    expect(fake.callsTo('join')).toEqual([{ secret: GOOD }]);
    expect(secretInput().value).toBe('');
    expect(JSON.stringify(store.getState())).not.toContain(GOOD);
    expect(log.mock.calls.flat().join(' ')).not.toContain(GOOD);
    expect(store.getState().status?.tunnelState).toBe('connected');
  });

  it('checks the optional mesh subnet', () => {
    renderWithApp(<JoinScreen />, { status: disconnectedStatus() });
    type(screen.getByLabelText('Mesh subnet (optional)'), '10.1.0.0/31');
    expect(screen.getByText(/prefix length must be at most \/30/)).toBeTruthy();
  });

  it('leaves the current mesh only after a confirmation', async () => {
    const { fake } = renderWithApp(<JoinScreen />);
    fireEvent.click(screen.getByRole('button', { name: 'Leave mesh…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Leave the mesh?' });
    expect(fake.callsTo('leave')).toHaveLength(0);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(fake.callsTo('leave')).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Leave mesh…' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Leave mesh' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(fake.callsTo('leave')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Leave mesh…' })).toBeNull();
  });

  it('switching meshes asks first and sends switch: true', async () => {
    const { fake } = renderWithApp(<JoinScreen />);
    type(secretInput(), GOOD);
    fireEvent.click(screen.getByRole('button', { name: 'Switch to this mesh…' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Switch mesh' }));
    await waitFor(() => expect(fake.callsTo('join')).toEqual([{ secret: GOOD, switch: true }]));
  });
});
