// Everything a suite saw, kept for the secret scan: every CLI call's argv, stdout and stderr,
// every control-API response body fetched over the unix socket, and samples of every process's
// command line (`ps -eo args`) and, for processes inside the lab's namespaces, their environment.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LabCluster } from '../../../src/cli/lab/cluster';
import type { ExecResult } from '../../../src/cli/lab/exec';
import { execArgv } from '../../../src/cli/lab/exec';
import { namespacePids } from '../../../src/cli/lab/cleanup';
import type { Source } from './secret-scan';

/** What a suite collected; see the module comment. */
export class Transcript {
  private readonly entries: Source[] = [];
  private readonly psLines = new Set<string>();
  private readonly environs = new Set<string>();
  private sampler: NodeJS.Timeout | undefined;
  cliCalls = 0;
  apiCalls = 0;
  psSamples = 0;

  constructor(private readonly cluster: LabCluster) {}

  /** `cloudroof ...args` on node `i`, recorded. */
  async cli(i: number, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const r = await this.cluster.cli(i, args, opts);
    this.record(`cli node${i} ${args.join(' ')}`, r);
    return r;
  }

  /** Records a result obtained elsewhere. */
  record(name: string, r: ExecResult): void {
    this.cliCalls++;
    this.entries.push({ name: `${name} (stdout)`, text: r.stdout }, { name: `${name} (stderr)`, text: r.stderr });
  }

  /** GET `path` from node `i`'s control socket with curl; records and returns the body. */
  async api(i: number, path: string): Promise<string> {
    const r = await execArgv('curl', ['-sS', '--max-time', '20', '--unix-socket', this.cluster.socketPath(i), `http://localhost${path}`]);
    this.apiCalls++;
    this.entries.push({ name: `api node${i} GET ${path}`, text: r.stdout + r.stderr });
    return r.stdout;
  }

  /** Adds a text (a file, a bug report member) under `name`. */
  add(name: string, text: string): void {
    this.entries.push({ name, text });
  }

  /** One sample of every process's command line, and of the environment of processes in the lab. */
  async samplePs(): Promise<void> {
    this.psSamples++;
    const r = await execArgv('ps', ['-eo', 'args'], { timeoutMs: 10_000 });
    for (const l of r.stdout.split('\n')) this.psLines.add(l);
    for (let i = 0; i < this.cluster.size; i++) {
      for (const pid of namespacePids(this.cluster.lab.nodeNs(i))) {
        try {
          this.environs.add(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').join('\n'));
          this.psLines.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
        } catch {
          /* exited */
        }
      }
    }
  }

  /** Samples every `ms` (one sample at a time) until {@link stopSampling}. */
  startSampling(ms = 200): void {
    this.stopSampling();
    let busy = false;
    this.sampler = setInterval(() => {
      if (busy) return;
      busy = true;
      void this.samplePs().finally(() => { busy = false; });
    }, ms);
  }

  /** Ends background sampling. */
  stopSampling(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
  }

  /** Every text collected so far, the process samples as two sources. */
  sources(): Source[] {
    return [
      ...this.entries,
      { name: 'ps -eo args (all samples)', text: [...this.psLines].join('\n') },
      { name: '/proc/<pid>/environ of lab processes', text: [...this.environs].join('\n---\n') },
    ];
  }
}

/**
 * Every regular file below `dir` as a source, except the paths `exclude` names (files that hold a
 * credential by design). Binary files are read as latin1 so every byte can be searched.
 */
export function fileSources(dir: string, exclude: readonly string[] = []): Source[] {
  const out: Source[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && !exclude.includes(p) && st.size < 256 << 20) {
        try {
          out.push({ name: p, text: readFileSync(p, 'latin1') });
        } catch {
          /* vanished */
        }
      }
    }
  };
  walk(dir);
  return out;
}
