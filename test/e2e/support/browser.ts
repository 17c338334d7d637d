// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) running INSIDE a lab
// node's network namespace, so that the page reaches the web console on that node's loopback
// exactly as a user on that machine would. Playwright talks to the browser over a pipe, which
// `ip netns exec` passes through unchanged; the wrapper script only adds the namespace.
//
// Lifecycle: launchInNamespace() → pages, screenshots → close(). The lab's clean-up kills every
// process left in its namespaces by PID, so a hung browser cannot outlive the test run.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../../support/chromium';

/** Where screenshots go: test-results/e2e/<suite>/NN-name.png (kept as CI artifacts). */
export function screenshotDir(suite: string): string {
  const dir = join(process.cwd(), 'test-results', 'e2e', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A browser in a namespace. */
export interface NamespacedBrowser {
  browser: Browser;
  /** A new page with a fixed viewport (the desktop window's default size). */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launches Chromium in namespace `ns`. */
export async function launchInNamespace(ns: string): Promise<NamespacedBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/setup (it installs Debian's chromium)`);
  const dir = mkdtempSync(join(tmpdir(), 'cloudroof-e2e-'));
  const wrapper = join(dir, 'chromium-in-ns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const browser = await launchChromium({ executablePath: wrapper });
  return {
    browser,
    newPage: async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
      page.setDefaultTimeout(30_000);
      return page;
    },
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Saves a screenshot of everything on the page as NN-name.png in `dir` and returns its path. The
 * app scrolls inside its main panel, so the viewport is stretched to the tallest scroll height for
 * the shot (at most 4000 px) and put back afterwards.
 */
export async function snap(page: Page, dir: string, index: number, name: string): Promise<string> {
  const path = join(dir, `${String(index).padStart(2, '0')}-${name}.png`);
  const size = page.viewportSize();
  // Runs in the page (this project type-checks without the DOM library, hence the narrow type).
  const tallest = await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ scrollHeight: number }> } }).document;
    return Math.max(...Array.from(doc.querySelectorAll('*'), (e) => e.scrollHeight));
  });
  if (size && tallest > size.height) await page.setViewportSize({ width: size.width, height: Math.min(tallest, 4000) });
  try {
    await page.screenshot({ path, fullPage: true });
  } finally {
    if (size && tallest > size.height) await page.setViewportSize(size);
  }
  return path;
}
