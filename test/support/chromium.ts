// Debian's Chromium, headless, driven by playwright-core: the one browser the tests use (a test
// never downloads a browser of its own), launched with the flags that work on these machines.
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** Launch flags that work on these machines (TESTING.md, "Browser tests"). */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/**
 * Launches headless Chromium with {@link FLAGS} and `extraArgs`; `executablePath` replaces
 * {@link CHROMIUM} (a wrapper that runs it in a network namespace).
 */
export function launchChromium(opts: { extraArgs?: readonly string[]; executablePath?: string } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: opts.executablePath ?? CHROMIUM, args: [...FLAGS, ...(opts.extraArgs ?? [])], timeout: 60_000 });
}
