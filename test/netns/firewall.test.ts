/**
 * NftablesFirewall against the real nft in a fresh network namespace: the table appears,
 * a second apply replaces it (no duplicate rules), a foreign table is left alone, and remove()
 * returns the namespace's ruleset to exactly what it was. Needs root and nftables; the
 * namespace carries a per-run id and is deleted in afterAll.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecCommandRunner } from '../../src/service/engine/exec';
import type { SubnetRouterRules } from '../../src/service/engine/firewall/firewall';
import { NftablesFirewall } from '../../src/service/engine/firewall/nftables-firewall';
import { netnsSkipReason } from './support/requirements';

const skipReason = netnsSkipReason('firewall', ['ip', 'nft']);

const id = randomBytes(3).toString('hex');
const ns = `crf${id}`;
const table = `crf${id}`;
const runner = new ExecCommandRunner({ prefix: ['ip', 'netns', 'exec', ns] });
const fw = new NftablesFirewall(runner, { table });

// Someone else's firewall, present before we start: it must survive untouched.
const foreign = `table inet filter {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "lan0" counter accept
	}
}
`;

const first: SubnetRouterRules = {
  meshInterface: 'wg0',
  meshSubnets: ['10.20.0.0/16', 'fd12:3456::/64'],
  routes: [{ prefix: '192.168.1.0/24', lanInterface: 'eth0', masquerade: true }, { prefix: 'fd99:1::/64', masquerade: true }],
};
const second: SubnetRouterRules = { ...first, routes: [{ prefix: '172.16.0.0/12', lanInterface: 'eth1', masquerade: false }] };

async function ruleset(): Promise<string> {
  return (await runner.run(['nft', 'list', 'ruleset'])).stdout;
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe.skipIf(skipReason !== '')(`NftablesFirewall in a network namespace (run ${id})`, () => {
  let before = '';

  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', ns]);
    await runner.run(['nft', '-f', '-'], { input: foreign });
    before = await ruleset();
  });

  afterAll(() => {
    try {
      execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
    } catch { /* never created */ }
  });

  it('has no table before the first apply', async () => {
    expect(await fw.current()).toBeNull();
    expect(before).toContain('table inet filter');
  });

  it('applies, then replaces rather than duplicates, then removes to exactly the previous ruleset', async () => {
    await fw.apply(first);
    let now = await ruleset();
    expect(count(now, `table inet ${table} {`)).toBe(1);
    expect(now).toContain('iifname "wg0" oifname "eth0" ip saddr 10.20.0.0/16 ip daddr 192.168.1.0/24 masquerade');
    expect(now).toContain('ip6 daddr fd99:1::/64 masquerade');
    expect(await fw.current()).toContain('type filter hook forward priority filter - 1; policy accept;');

    await fw.apply(first);
    await fw.apply(second);
    now = await ruleset();
    expect(count(now, `table inet ${table} {`)).toBe(1);
    expect(count(now, 'chain forward {')).toBe(2); // ours and the foreign one
    expect(now).not.toContain('192.168.1.0/24');
    expect(now).not.toContain('masquerade');
    expect(count(now, 'ip daddr 172.16.0.0/12 accept')).toBe(1);
    expect(now).toContain('iifname "lan0" counter');

    await fw.remove();
    expect(await ruleset()).toBe(before);
    await fw.remove(); // idempotent
    expect(await fw.current()).toBeNull();
  });

  it('empty routes remove the table', async () => {
    await fw.apply(first);
    await fw.apply({ ...first, routes: [] });
    expect(await ruleset()).toBe(before);
  });
});
