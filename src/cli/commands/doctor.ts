/**
 * `cloudroof doctor [--json]`: checks the installation and prints each finding with its fix.
 * The CLI checks that cloudroofd runs, answers this user and matches this CLI's version; the
 * service (GET /v1/doctor, as root) checks WireGuard, programs, its state directory, the mesh
 * interface, routing, edge mode, exposed sites and clock skew. Exit 0 without errors, else 1.
 */
import type { DoctorFinding, DoctorSeverity } from '../../shared/protocol';
import { flagOption, jsonOption, type CommandSpec } from '../command';
import { EXIT_ERROR, EXIT_OK } from '../errors';
import { toJsonOutput } from '../json-case';
import { CLI_VERSION } from '../version';
import { runLocalChecks } from './doctor-checks';

/** The whole result as printed and serialised. */
export interface DoctorOutput {
  ok: boolean;
  findings: DoctorFinding[];
  checked: string[];
}

const ORDER: Record<DoctorSeverity, number> = { error: 0, warning: 1, info: 2 };

/** The text form: a summary line, errors first, each with its fix, then what was checked. */
export function formatDoctor(d: DoctorOutput): string {
  const count = (s: DoctorSeverity) => d.findings.filter((f) => f.severity === s).length;
  const [errors, warnings] = [count('error'), count('warning')];
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const head = errors + warnings === 0 ? 'No problems found.\n' : `Found ${plural(errors, 'error')} and ${plural(warnings, 'warning')}.\n`;
  const sorted = [...d.findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const body = sorted.map((f) => `${f.severity}: ${f.message}\n${f.fix ? `  fix: ${f.fix.replace(/\n/g, '\n       ')}\n` : ''}`).join('');
  return `${head}${body ? `\n${body}` : ''}\nChecked: ${d.checked.join(', ')}\n`;
}

/** The doctor command. */
export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary: 'check the installation and print each problem with its fix',
  help: `Usage: cloudroof doctor [--json]

Checks that cloudroofd is running and reachable by you, that it is the same version as this
CLI, and asks it to check the machine: WireGuard (kernel module or wireguard-go), ip and nft,
its state directory (0700) and secret (0600), whether this node is in a mesh, the WireGuard
interface and its UDP port, advertised routes (forwarding, rp_filter, firewall), edge mode
(nginx installed and running, the last config applied, a certificate per hostname), exposed
sites (the local target answers) and clock skew against peers (the mesh drops messages more
than 10 minutes off). Prints each finding with its fix.

Exit status: 0 when nothing is an error, 1 otherwise.

Options:
  --json   print { "ok": ..., "findings": [...], "checked": [...] }
`,
  options: { ...jsonOption },
  async run({ values, io, client, socketPath }) {
    const local = await runLocalChecks(client(), socketPath, CLI_VERSION);
    const findings = [...local.findings, ...(local.report?.findings ?? [])];
    const out: DoctorOutput = {
      ok: !findings.some((f) => f.severity === 'error'),
      findings,
      checked: [...local.checked, ...(local.report?.checked ?? [])],
    };
    io.out(flagOption(values, 'json') ? toJsonOutput(out) : formatDoctor(out));
    return out.ok ? EXIT_OK : EXIT_ERROR;
  },
};
