import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmDialog } from './ConfirmDialog';
import { CopyButton } from './CopyButton';
import { QrCode, qrPath } from './QrCode';
import { Toggle } from './Toggle';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** The dark modules of a path as "x,y" strings. */
function modules(d: string): Set<string> {
  return new Set([...d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map((m) => `${m[1]},${m[2]}`));
}

describe('QrCode', () => {
  it('draws every dark module as one path inside a quiet zone, with the three finder patterns', () => {
    const qr = qrPath('wgmesh://v1/' + 'A'.repeat(171));
    expect(qr).not.toBeNull();
    const dark = modules(qr!.d);
    const n = qr!.size - 4;
    expect(n % 4).toBe(1);
    for (const [x, y] of [[0, 0], [n - 7, 0], [0, n - 7]] as const) {
      for (let i = 0; i < 7; i++) {
        expect(dark.has(`${x + 2 + i},${y + 2}`)).toBe(true);
        expect(dark.has(`${x + 2},${y + 2 + i}`)).toBe(true);
      }
      expect(dark.has(`${x + 3},${y + 3}`)).toBe(false);
    }
    expect([...dark].every((m) => m.split(',').map(Number).every((v) => v >= 2 && v < n + 2))).toBe(true);
  });

  it('renders an SVG image without style attributes, or a note for a text too long for a QR code', () => {
    const { container } = render(<QrCode text="hello world, hello mesh" label="QR code of x" />);
    const svg = screen.getByRole('img', { name: 'QR code of x' });
    expect(svg.getAttribute('viewBox')).toMatch(/^0 0 \d+ \d+$/);
    expect(container.querySelector('[style]')).toBeNull();
    cleanup();
    render(<QrCode text={'x'.repeat(4000)} label="QR" />);
    expect(screen.getByText(/Too long for a QR code/)).toBeTruthy();
  });
});

describe('ConfirmDialog', () => {
  it('focuses Cancel, cancels on Escape, confirms on its button, keeps Tab inside', () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    render(<ConfirmDialog title="Sure?" confirmLabel="Do it" onConfirm={onConfirm} onCancel={onCancel}><p>Body</p></ConfirmDialog>);
    const dialog = screen.getByRole('alertdialog', { name: 'Sure?' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(document.activeElement!, { key: 'Tab' });
    const doIt = screen.getByRole('button', { name: 'Do it' });
    doIt.focus();
    fireEvent.keyDown(doIt, { key: 'Tab' });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(1);
    fireEvent.click(doIt);
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});

describe('CopyButton', () => {
  it('copies, and says so when the clipboard is not available', async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { clipboard: { writeText } });
    render(<CopyButton text="10.42.7.1" what="mesh IPv4 address" />);
    fireEvent.click(screen.getByRole('button', { name: 'Copy mesh IPv4 address' }));
    await waitFor(() => expect(screen.getByText('Copied')).toBeTruthy());
    expect(writeText).toHaveBeenCalledWith('10.42.7.1');
    vi.stubGlobal('navigator', {});
    fireEvent.click(screen.getByRole('button', { name: 'Copy mesh IPv4 address' }));
    expect(await screen.findByText(/Copy failed/)).toBeTruthy();
  });
});

describe('Toggle', () => {
  it('is a switch named by its label that reports its state', () => {
    const onChange = vi.fn();
    render(<Toggle label="Join mesh" checked={false} onChange={onChange} />);
    const sw = screen.getByRole('switch', { name: 'Join mesh' });
    expect(sw.getAttribute('aria-checked')).toBe('false');
    fireEvent.click(sw);
    expect(onChange).toHaveBeenCalledWith(true);
  });
});
