/**
 * `cloudroof expose verify NAME`: checks an exposed site end to end through its edges (a plain
 * request, a websocket, server-sent events, an upload), printing each check as it progresses and
 * a summary. Exit status 1 when a check failed.
 */
import {
  DEFAULT_VERIFY_SSE_PATH, DEFAULT_VERIFY_WEBSOCKET_PATH, MAX_VERIFY_UPLOAD_BYTES,
  type VerifyEvent, type VerifySiteRequest, type VerifyStep,
} from '../../shared/protocol';
import { parseHealthPath, parseSiteName, parseSize } from '../../shared/sites';
import { flagOption, jsonOption, stringListOption, stringOption, type CommandSpec, type OptionValues } from '../command';
import { CliError, EXIT_ERROR, EXIT_OK, UsageError } from '../errors';
import { toJsonOutput } from '../json-case';
import { edgeName } from './edges';
import { asInput } from './expose';

/** Exit status after Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `--upload-size` in bytes: a size like `8m` (k, m, g: binary units), 1 KiB to 256 MiB. */
export function uploadSizeBytes(text: string): number {
  const canonical = parseSize(text, 'upload size');
  const unit = /[kmg]$/.exec(canonical)?.[0] ?? '';
  const bytes = Number(canonical.slice(0, canonical.length - unit.length)) * (UNITS[unit] ?? 1);
  if (bytes < 1024 || bytes > MAX_VERIFY_UPLOAD_BYTES) throw new UsageError('--upload-size must be from 1k to 256m', 'expose verify');
  return bytes;
}

/** The request for NAME and the options, checked locally (bad input: exit 2, nothing sent). */
export function verifyRequest(name: string, values: OptionValues): VerifySiteRequest {
  const edges = stringListOption(values, 'edge');
  const size = stringOption(values, 'upload-size');
  const path = (option: string): string | undefined => {
    const v = stringOption(values, option);
    return v === undefined ? undefined : parseHealthPath(v);
  };
  const paths = { websocket: path('ws-path'), sse: path('sse-path'), upload: path('upload-path') };
  const given = Object.fromEntries(Object.entries(paths).filter(([, v]) => v !== undefined));
  return {
    name: parseSiteName(name), ...(edges.length ? { edges } : {}), ...(size !== undefined ? { uploadBytes: uploadSizeBytes(size) } : {}),
    ...(Object.keys(given).length ? { paths: given } : {}),
  };
}

/** One progress line for a step event, or '' when there is nothing new to say. */
export function stepLine(step: VerifyStep, lastQuarter: Map<string, number>): string {
  const key = `${step.edge}/${step.check}`;
  const head = `${edgeName({ hostname: step.edgeHostname, publicKey: step.edge }).padEnd(16)} ${step.check.padEnd(9)}`;
  if (step.state === 'pending') return '';
  if (step.state === 'running') {
    const quarter = step.progress === undefined ? -1 : Math.floor(step.progress * 4);
    if (quarter === (lastQuarter.get(key) ?? -2)) return '';
    lastQuarter.set(key, quarter);
    return `${head} ${quarter < 0 ? 'running' : `${quarter * 25}%`}\n`;
  }
  return `${head} ${step.state.padEnd(7)} ${step.detail ?? ''}\n`;
}

/** The closing summary of a verification. */
export function verifySummary(done: Extract<VerifyEvent, { type: 'done' }>): string {
  const failed = done.steps.filter((s) => s.state === 'failed');
  const edges = new Set(done.steps.map((s) => s.edge)).size;
  const through = `through ${edges} edge${edges === 1 ? '' : 's'}`;
  if (failed.length > 0) return `${failed.length} check${failed.length === 1 ? '' : 's'} failed ${through}.\n`;
  const skipped = done.steps.filter((s) => s.state === 'skipped').length;
  const live = done.publicUrls.length ? ` Live at ${done.publicUrls.join(', ')}` : '';
  return `Every check passed ${through}${skipped ? ` (${skipped} skipped)` : ''}.${live}\n`;
}

const verifySub: CommandSpec = {
  name: 'expose verify',
  summary: '',
  help: `Usage: cloudroof expose verify NAME [--edge EDGE]... [--upload-size SIZE]
                              [--ws-path PATH] [--sse-path PATH] [--upload-path PATH] [--json]

Checks the site NAME end to end through each edge that reported on it: every request goes to
the edge's mesh address with the site's first hostname as TLS name and Host (plain HTTP when
the edge holds no certificate for it; a certificate this machine does not trust is noted, not
refused), and the same request goes to the local target, so the edge is judged by what the
service itself does:
  request    GET the health path: the same status class as the service, not the edge's own 502/503/504
  websocket  an upgrade at --ws-path (default ${DEFAULT_VERIFY_WEBSOCKET_PATH}) and, if the service echoes, one frame back
  sse        the first event at --sse-path (default ${DEFAULT_VERIFY_SSE_PATH}) arrives while the stream is open
  upload     SIZE random bytes POSTed to --upload-path (default the health path) answered like the service
A check the service itself does not support (no websocket, no event stream) is skipped.
Exit status 1 when a check failed.

Options:
  --edge EDGE         only this edge (public key, mesh IPv4 or hostname; repeat for several)
  --upload-size SIZE  upload size, 1k to 256m (default 8m)
  --ws-path PATH      path of the websocket check
  --sse-path PATH     path of the server-sent events check
  --upload-path PATH  path the upload is POSTed to
  --json              print only the result (every check, the public URLs) as JSON
`,
  options: {
    edge: { type: 'string', multiple: true }, 'upload-size': { type: 'string' }, 'ws-path': { type: 'string' },
    'sse-path': { type: 'string' }, 'upload-path': { type: 'string' }, ...jsonOption,
  },
  maxPositionals: 1,
  async run({ values, positionals, io, client }) {
    const [name] = positionals;
    if (name === undefined) throw new UsageError('expose verify needs NAME', 'expose verify');
    const req = await asInput(() => verifyRequest(name, values));
    const json = flagOption(values, 'json');
    const quarters = new Map<string, number>();
    let done: Extract<VerifyEvent, { type: 'done' }> | undefined;
    const abort = new AbortController();
    const stop = io.onInterrupt(() => abort.abort());
    try {
      await asInput(() => client().stream('verifySite', req, (e) => {
        if (e.type === 'done') done = e;
        else if (!json) io.out(stepLine(e.step, quarters));
      }, abort.signal));
    } finally {
      stop();
    }
    if (abort.signal.aborted) throw new CliError('interrupted', EXIT_INTERRUPTED);
    if (!done) throw new CliError('the service ended the verification before it finished (see cloudroof logs)');
    io.out(json ? toJsonOutput(done) : verifySummary(done));
    return done.ok ? EXIT_OK : EXIT_ERROR;
  },
};

/** The `expose verify` subcommand, for the expose command's table. */
export const exposeVerifySubcommands: Readonly<Record<string, CommandSpec>> = { verify: verifySub };
