/**
 * The public side of an edge lab: an "internet" segment with a visitor, and a test CA.
 *
 * createInternet() builds a namespace `<prefix>-inet` holding a bridge with the visitor's addresses
 * (203.0.113.100/24 and 2001:db8:1::100/64) and one veth leg into each listed edge node's
 * namespace (interface {@link INET_INTERFACE}; edge e gets 203.0.113.1<e> and 2001:db8:1::1<e>).
 * The visitor has no default route, so it reaches the edges' public addresses and nothing else
 * (not the LAN, not the mesh). IPv6 addresses are added `nodad` and DAD is off on every interface
 * of the segment, so they work at once; createInternet() resolves only once the visitor reaches
 * every leg over IPv4 and IPv6 (fping).
 *
 * Lifecycle: createInternet() (removes a leftover namespace of the same name first) → exec()/
 * spawn() as the visitor → destroy() kills what runs in the namespace and deletes it, which also
 * removes the legs (and /etc/netns/<ns>). The node namespaces are the lab's own; their ends of the
 * legs vanish with them. A process exit before destroy() removes the namespace synchronously.
 */
import { execFileSync, spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { namespacePids, signalPid, signalTree } from './cleanup';
import type { LabCluster } from './cluster';
import { execArgv, execChecked, type ExecOptions, type ExecResult } from './exec';
import { waitFor } from './wait-for';

/** Name of the internet leg inside each edge node's namespace. */
export const INET_INTERFACE = 'inet0';
/** The visitor's IPv4 address (TEST-NET-3). */
export const VISITOR_IPV4 = '203.0.113.100';
/** The visitor's IPv6 address (documentation prefix). */
export const VISITOR_IPV6 = '2001:db8:1::100';

/** An address family. */
export type Family = 4 | 6;

/** A built internet segment; see the module comment. */
export interface Internet {
  /** The visitor's namespace (also holds the bridge). */
  readonly ns: string;
  /** Public address of edge node `e` (203.0.113.1<e> or 2001:db8:1::1<e>). */
  edgeAddress(e: number, family?: Family): string;
  /** The visitor's own address. */
  visitorAddress(family?: Family): string;
  /** Runs `argv` as the visitor (`ip netns exec`, no shell); never rejects for a non-zero exit. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-lived visitor process (log `<lab tmp>/inet/<logName>.log`); destroy() stops it. */
  spawn(argv: readonly string[], opts?: { logName?: string; env?: NodeJS.ProcessEnv }): ChildProcess;
  /** Writes /etc/netns/<ns>/hosts (name → address) for visitor tools without `--resolve` (e.g. wrk). */
  setHosts(entries: Record<string, string>): void;
  /** Stops the visitor's processes and deletes the namespace. Idempotent. */
  destroy(): Promise<void>;
}

const HOSTNAME_RE = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/;

/** Builds the internet segment with legs to the given edge nodes (each 0–99, no duplicates). */
export async function createInternet(cluster: LabCluster, edgeNodes: readonly number[]): Promise<Internet> {
  if (new Set(edgeNodes).size !== edgeNodes.length) throw new Error('edge nodes listed twice');
  for (const e of edgeNodes) {
    if (!Number.isInteger(e) || e < 0 || e > 99) throw new Error(`edge node ${e} out of range 0..99`);
    cluster.lab.nodeNs(e); // validates e
  }
  const prefix = cluster.lab.prefix;
  const ns = `${prefix}-inet`;
  const logDir = join(cluster.lab.tmpDir, 'inet');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const children = new Set<ChildProcess>();
  removeNamespaceSync(ns);
  const onExit = (): void => {
    for (const c of children) if (c.pid) signalTree(c.pid, 'SIGKILL');
    removeNamespaceSync(ns);
  };
  process.on('exit', onExit);
  const ip = (args: string[]) => execChecked('ip', args);
  try {
    await ip(['netns', 'add', ns]);
    // No duplicate address detection anywhere on the segment: with it, even `nodad` global addresses
    // go unanswered for ~1 s, because neighbour discovery waits for the tentative link-local ones.
    await execChecked('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    await execChecked('ip', ['-n', ns, '-batch', '-'], {
      input: ['link set lo up', 'link add br0 type bridge mcast_snooping 0', 'link set br0 up',
        `addr add ${VISITOR_IPV4}/24 dev br0`, `addr add ${VISITOR_IPV6}/64 dev br0 nodad`].join('\n') + '\n',
    });
    for (const e of edgeNodes) {
      const edgeNs = cluster.lab.nodeNs(e);
      const leg = `${prefix}i${e}`;
      await ip(['-n', ns, 'link', 'add', leg, 'type', 'veth', 'peer', 'name', INET_INTERFACE, 'netns', edgeNs]);
      await ip(['-n', ns, 'link', 'set', leg, 'master', 'br0', 'up']);
      await execChecked('ip', ['netns', 'exec', edgeNs, 'sysctl', '-q', '-w', `net.ipv6.conf.${INET_INTERFACE}.accept_dad=0`]);
      await execChecked('ip', ['-n', edgeNs, '-batch', '-'], {
        input: [`addr add ${edgeV4(e)}/24 dev ${INET_INTERFACE}`, `addr add ${edgeV6(e)}/64 dev ${INET_INTERFACE} nodad`,
          `link set ${INET_INTERFACE} up`].join('\n') + '\n',
      });
    }
    await waitFor(async () => {
      const addrs = edgeNodes.flatMap((e) => [edgeV4(e), edgeV6(e)]);
      const r = await execArgv('ip', ['netns', 'exec', ns, 'fping', '-q', '-r', '0', '-t', '200', ...addrs]);
      if (r.code !== 0) throw new Error(`unanswered: ${r.stderr.trim()}`);
      return true;
    }, { timeoutMs: 5000, intervalMs: 100, what: `the visitor in ${ns} to reach every edge leg` });
  } catch (err) {
    process.off('exit', onExit);
    removeNamespaceSync(ns);
    throw err;
  }
  let destroyed = false;
  return {
    ns,
    edgeAddress: (e, family = 4) => {
      if (!edgeNodes.includes(e)) throw new Error(`node ${e} has no internet leg`);
      return family === 6 ? edgeV6(e) : edgeV4(e);
    },
    visitorAddress: (family = 4) => (family === 6 ? VISITOR_IPV6 : VISITOR_IPV4),
    exec: (argv, opts) => {
      if (destroyed) throw new Error(`${ns} is destroyed`);
      return execArgv('ip', ['netns', 'exec', ns, ...argv], opts);
    },
    spawn: (argv, opts = {}) => {
      if (destroyed) throw new Error(`${ns} is destroyed`);
      const out = openSync(join(logDir, `${opts.logName ?? 'visitor'}.log`), 'a');
      try {
        const child = spawnChild('ip', ['netns', 'exec', ns, ...argv], {
          detached: true, stdio: ['ignore', out, out], env: opts.env ? { ...process.env, ...opts.env } : process.env,
        });
        children.add(child);
        child.on('exit', () => children.delete(child));
        child.on('error', () => children.delete(child));
        return child;
      } finally {
        closeSync(out);
      }
    },
    setHosts: (entries) => {
      const lines = ['127.0.0.1 localhost', '::1 localhost'];
      for (const [name, addr] of Object.entries(entries)) {
        if (!HOSTNAME_RE.test(name) || !/^[0-9a-f.:]+$/i.test(addr)) throw new Error(`bad hosts entry ${name} ${addr}`);
        lines.push(`${addr} ${name}`);
      }
      mkdirSync(join('/etc/netns', ns), { recursive: true });
      writeFileSync(join('/etc/netns', ns, 'hosts'), lines.join('\n') + '\n');
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      const kids = [...children];
      for (const c of kids) if (c.pid) signalTree(c.pid, 'SIGTERM');
      await Promise.all(kids.map((c) => exitOrTimeout(c, 2000)));
      process.off('exit', onExit);
      onExit();
    },
  };
}

const edgeV4 = (e: number): string => `203.0.113.1${e}`;
const edgeV6 = (e: number): string => `2001:db8:1::1${e}`;

/** Kills everything inside `ns` and deletes it with its /etc/netns dir; quiet if it does not exist. */
function removeNamespaceSync(ns: string): void {
  for (const pid of namespacePids(ns)) if (pid !== process.pid) signalPid(pid, 'SIGKILL');
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    /* not there */
  }
  rmSync(join('/etc/netns', ns), { recursive: true, force: true });
}

function exitOrTimeout(c: ChildProcess, ms: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Files written by {@link createTestCa}. */
export interface TestCa {
  /** The CA certificate (PEM), for `curl --cacert` and Node's `ca`. */
  caFile: string;
  /** `<dir>/certs`: one `<hostname>/{fullchain,privkey}.pem` per hostname (the edge's --cert-dir). */
  certDir: string;
}

/**
 * With openssl: a P-256 CA (valid 7 days, CN naming `label`) and, per hostname, a leaf certificate
 * with that name as its only SAN, signed by the CA, written as `<dir>/certs/<h>/fullchain.pem`
 * (leaf, then CA) and `<dir>/certs/<h>/privkey.pem` (mode 0600). The CA key stays in `<dir>`.
 */
export async function createTestCa(dir: string, hostnames: readonly string[], label = 'lab'): Promise<TestCa> {
  for (const h of hostnames) if (!HOSTNAME_RE.test(h) || h.includes('..')) throw new Error(`bad hostname ${JSON.stringify(h)}`);
  if (!/^[A-Za-z0-9 -]{1,40}$/.test(label)) throw new Error(`bad CA label ${JSON.stringify(label)}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca-key.pem');
  const caFile = join(dir, 'ca.pem');
  const certDir = join(dir, 'certs');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await execChecked('openssl', ['req', '-x509', ...ec, '-keyout', caKey, '-out', caFile, '-days', '7', '-sha256',
    '-subj', `/O=Cloudroof test/CN=Cloudroof ${label} CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  chmodSync(caKey, 0o600);
  for (const h of hostnames) {
    const hostDir = join(certDir, h);
    mkdirSync(hostDir, { recursive: true, mode: 0o755 });
    const key = join(hostDir, 'privkey.pem');
    const csr = join(dir, `${h}.csr`);
    const leaf = join(dir, `${h}.pem`);
    const ext = join(dir, `${h}.ext`);
    writeFileSync(ext, ['[v3]', `subjectAltName=DNS:${h}`, 'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', ''].join('\n'));
    await execChecked('openssl', ['req', '-new', ...ec, '-keyout', key, '-out', csr, '-subj', `/CN=${h}`]);
    chmodSync(key, 0o600);
    await execChecked('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey,
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '7', '-sha256',
      '-extfile', ext, '-extensions', 'v3', '-out', leaf]);
    writeFileSync(join(hostDir, 'fullchain.pem'), readFileSync(leaf, 'utf8') + readFileSync(caFile, 'utf8'));
  }
  return { caFile, certDir };
}
