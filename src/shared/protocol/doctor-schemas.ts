/**
 * Body of GET /v1/doctor (issue 8): the installation check run by the service as root. Each
 * finding has the shape of a routes-preflight finding ({@link Finding}: id, severity, message,
 * fix) with one more severity, `info`, for facts worth showing that need no fix (not joined).
 * The CLI adds its own findings (service reachable, versions) in the same shape.
 */
import { z } from 'zod';
import { Finding } from './route-schemas';

/** Severity of a doctor finding: `error` breaks something, `warning` may, `info` is a fact. */
export const DoctorSeverity = z.enum(['error', 'warning', 'info']);
/** Severity of a doctor finding. */
export type DoctorSeverity = z.infer<typeof DoctorSeverity>;

/** One doctor finding; `fix` may be empty for `info`. */
export const DoctorFinding = Finding.extend({ severity: DoctorSeverity });
/** One doctor finding. */
export type DoctorFinding = z.infer<typeof DoctorFinding>;

/**
 * Body of GET /v1/doctor. `ok` is false when any finding is an error; `checked` names the
 * checks that ran (e.g. `wireguard`, `state-dir`, `routes`), so "no findings" can say what was
 * looked at.
 */
export const DoctorReport = z.object({
  ok: z.boolean(),
  findings: z.array(DoctorFinding),
  checked: z.array(z.string()).default([]),
});
/** Body of GET /v1/doctor. */
export type DoctorReport = z.infer<typeof DoctorReport>;
