import { defineConfig } from 'vitest/config';

// One runner for every suite. Unit tests run in parallel; netns tests need root, create real
// namespaces/wireguard-go processes, and run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          exclude: ['src/renderer/**'],
          environment: 'node',
          // A hang guard, not a speed target: the integration tests spawn the CLI several times
          // per test, which takes longer than vitest's 5 s default while netns suites load the CPUs.
          testTimeout: 30_000,
        },
      },
      {
        // The renderer's components and store in a DOM (jsdom); end-to-end runs in Chromium (e2e).
        oxc: { jsx: { runtime: 'automatic' } },
        test: {
          name: 'renderer',
          include: ['src/renderer/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
        },
      },
      {
        test: {
          name: 'netns',
          include: ['test/netns/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // End to end in headless Chromium (Debian's, via playwright-core) through the web console
        // against real services in network namespaces (root): the desktop UI's flows for real.
        // Screenshots of every screen land in test-results/e2e/.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Hardening (HARDENING.md): property-based fuzzing of everything parsed from the network
        // and of the control API, plus a live flood against a netns mesh (root). Serial: the flood
        // measures ping loss and RSS, which other suites running at the same time would skew.
        // HARDENING_RUNS=N scales the fuzz budget for the long run.
        test: {
          name: 'hardening',
          include: ['test/hardening/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
      {
        // The installer in a Debian root of its own (root, debootstrap, the Debian archive). Runs
        // after the other suites so its apt/dpkg work does not skew their timings; the first run
        // pays for debootstrap (cached under /var/cache/cloudroof-test-rootfs).
        test: {
          name: 'install',
          include: ['test/install/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
