/**
 * The network settings form (interface name, listen port): its checks before sending, the patch
 * of what changed, and which field a service error belongs to. Pure.
 */
import type { PrefsPatch } from '../../../shared/protocol';
import type { IpcErrorInfo } from '../../../shared/ipc';

/** The form's text values. */
export interface NetworkDraft {
  interfaceName: string;
  listenPort: string;
}

/** Errors per field, and one for the form. */
export interface NetworkErrors {
  interfaceName?: string;
  listenPort?: string;
  form?: string;
}

/** What is wrong with the draft before it is sent (the service checks the platform's rules). */
export function checkDraft(d: NetworkDraft): NetworkErrors {
  const errors: NetworkErrors = {};
  const name = d.interfaceName.trim();
  if (name.length < 1 || name.length > 15) errors.interfaceName = 'An interface name has 1 to 15 characters';
  const port = Number(d.listenPort.trim());
  if (!/^[0-9]{1,5}$/.test(d.listenPort.trim()) || port < 1 || port > 65535) errors.listenPort = 'A port is a whole number from 1 to 65535';
  return errors;
}

/** The patch of the fields that differ from `current`. */
export function draftPatch(d: NetworkDraft, current: NetworkDraft): PrefsPatch {
  const patch: PrefsPatch = {};
  if (d.interfaceName.trim() !== current.interfaceName) patch.interfaceName = d.interfaceName.trim();
  if (d.listenPort.trim() !== current.listenPort) patch.listenPort = Number(d.listenPort.trim());
  return patch;
}

/** Puts a service error at its field: `invalid-interface` at the name, `port-in-use` at the port. */
export function errorsFromService(error: IpcErrorInfo): NetworkErrors {
  if (error.code === 'invalid-interface') return { interfaceName: error.message };
  if (error.code === 'port-in-use') return { listenPort: error.message };
  return { form: error.message };
}
