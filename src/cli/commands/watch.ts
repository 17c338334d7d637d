/** `cloudroof watch`: follows the service's state changes until interrupted. */
import type { WatchEvent } from '../../shared/protocol';
import { flagOption, jsonOption, type CommandSpec } from '../command';
import { EXIT_OK } from '../errors';
import { toJsonLine } from '../json-case';

/** The watch command. */
export const watchCommand: CommandSpec = {
  name: 'watch',
  summary: 'follow state changes as they happen',
  help: `Usage: cloudroof watch [--json]

Prints a snapshot of the state, then one line per change, until interrupted (Ctrl-C).

Options:
  --json   one JSON object per line (NDJSON) with snake_case members
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const json = flagOption(values, 'json');
    const abort = new AbortController();
    const stop = io.onInterrupt(() => abort.abort());
    try {
      await client().watch((event) => io.out(json ? toJsonLine(event) : formatEvent(event, new Date())), abort.signal);
    } finally {
      stop();
    }
    return EXIT_OK;
  },
};

/** One text line for a watch event. */
export function formatEvent(event: WatchEvent, at: Date): string {
  const time = at.toTimeString().slice(0, 8);
  switch (event.type) {
    case 'snapshot':
      return `${time} snapshot: ${event.status.tunnelState}, ${event.peers.length} peer(s)\n`;
    case 'status': {
      const s = event.status;
      return `${time} status: ${s.tunnelState}${s.lastError ? ` (${s.lastError.message})` : ''}, ${s.peerCount} peer(s)\n`;
    }
    case 'peers':
      return `${time} peers: ${event.peers.length}${event.peers.length ? ` (${event.peers.map((p) => p.hostname ?? p.meshIPv4).join(', ')})` : ''}\n`;
  }
}
