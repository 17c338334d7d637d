/**
 * `cloudroof edge enable|status|disable`: edge mode, in which this node's nginx serves the sites
 * the mesh's origins announce.
 */
import { parseSize } from '../../shared/sites';
import type { EdgeEnableRequest } from '../../shared/protocol';
import { flagOption, jsonOption, stringOption, type CommandSpec } from '../command';
import { EXIT_ERROR, EXIT_OK } from '../errors';
import { toJsonOutput } from '../json-case';
import { withSubcommands } from '../subcommands';
import { asInput } from './expose';
import { portOption } from './shared';
import { formatEdge } from './sites-format';

const enableSub: CommandSpec = {
  name: 'edge enable',
  summary: '',
  help: `Usage: cloudroof edge enable [--cert-dir DIR] [--cache-size SIZE] [--max-body SIZE]
                          [--http-port N] [--https-port N] [--json]

Turns this node into an edge: nginx serves every site the mesh's origins announce, with TLS
(certificate DIR/HOSTNAME/fullchain.pem and privkey.pem), HTTP/2, caching that respects
Cache-Control, websockets and streaming. The configuration lives in its own file; yours is
never touched, and each change is checked with 'nginx -t' before it is loaded. Needs nginx
(Debian/Ubuntu: sudo apt-get install nginx) and root. Running it again changes the settings.

Options:
  --cert-dir DIR      certificates by hostname (default /etc/cloudroof/certs)
  --cache-size SIZE   disk cache limit, e.g. 1g or 512m (default 1g)
  --max-body SIZE     largest request body, e.g. 1g (default 1g)
  --http-port N       default 80
  --https-port N      default 443
  --json              print the edge state as JSON
`,
  options: { 'cert-dir': { type: 'string' }, 'cache-size': { type: 'string' }, 'max-body': { type: 'string' }, 'http-port': { type: 'string' }, 'https-port': { type: 'string' }, ...jsonOption },
  async run({ values, io, client }) {
    const certDir = stringOption(values, 'cert-dir');
    const cacheSize = stringOption(values, 'cache-size');
    const maxBody = stringOption(values, 'max-body');
    const httpPort = portOption(stringOption(values, 'http-port'), '--http-port');
    const httpsPort = portOption(stringOption(values, 'https-port'), '--https-port');
    const req: EdgeEnableRequest = await asInput(() => ({
      ...(certDir !== undefined ? { certDir } : {}),
      ...(cacheSize !== undefined ? { cacheSize: parseSize(cacheSize, 'cache size') } : {}),
      ...(maxBody !== undefined ? { maxBody: parseSize(maxBody, 'max body') } : {}),
      ...(httpPort !== undefined ? { httpPort } : {}), ...(httpsPort !== undefined ? { httpsPort } : {}),
    }));
    const state = await asInput(() => client().call('enableEdge', req));
    io.out(flagOption(values, 'json') ? toJsonOutput(state) : formatEdge(state, Date.now()));
    return EXIT_OK;
  },
};

const statusSub: CommandSpec = {
  name: 'edge status',
  summary: '',
  help: `Usage: cloudroof edge status [--json]

Edge mode: nginx, the last configuration applied (or why the last one was refused while the
previous one keeps serving), and each hostname served with its origins, their health and the
certificate. Exit status 1 when the last configuration was refused.
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const state = await client().call('edge');
    io.out(flagOption(values, 'json') ? toJsonOutput(state) : formatEdge(state, Date.now()));
    return state.config.state === 'failed' ? EXIT_ERROR : EXIT_OK;
  },
};

const disableSub: CommandSpec = {
  name: 'edge disable',
  summary: '',
  help: `Usage: cloudroof edge disable

Stops serving the mesh's sites and removes everything edge mode put into nginx. Needs root.
`,
  options: { ...jsonOption },
  async run({ values, io, client }) {
    const state = await client().call('disableEdge', {});
    io.out(flagOption(values, 'json') ? toJsonOutput(state) : 'Edge mode is off; nginx no longer serves the mesh\'s sites.\n');
    return EXIT_OK;
  },
};

/** The edge command. */
export const edgeCommand: CommandSpec = withSubcommands('edge', { enable: enableSub, status: statusSub, disable: disableSub }, {
  summary: 'serve the mesh\'s sites from this node with nginx (edge)',
  help: `Usage: cloudroof edge enable [options]
       cloudroof edge status [--json]
       cloudroof edge disable

'cloudroof edge SUBCOMMAND --help' describes each subcommand.
`,
});
