/**
 * From what the user typed to the mesh parameters, with the control API's error codes: the raw
 * secret (spec 1.2), every derived value, and the mesh subnet (default or custom). Pure.
 */
import { defaultMeshSubnet, parseMeshSubnet, type MeshSubnet } from '../../shared/mesh/address';
import { deriveMeshKeys, type MeshKeys } from '../../shared/mesh/derive';
import { parseSecret, SecretError } from '../../shared/mesh/secret';
import { ControlError } from '../../shared/protocol';

/** A mesh to join: the raw secret, its derived keys, the subnet. */
export interface Mesh {
  raw: string;
  keys: MeshKeys;
  subnet: MeshSubnet;
}

/** Parses a secret (token or raw) and an optional custom subnet; throws invalid-secret / invalid-subnet. */
export function parseMesh(secretInput: string, subnetInput: string | undefined): Mesh {
  let raw: string;
  try {
    raw = parseSecret(secretInput);
  } catch (err) {
    if (err instanceof SecretError) throw new ControlError('invalid-secret', err.message);
    throw new ControlError('invalid-secret', 'the secret could not be read');
  }
  const keys = deriveMeshKeys(raw);
  return { raw, keys, subnet: subnetInput ? parseSubnet(subnetInput) : defaultMeshSubnet(keys) };
}

/** Parses a custom mesh subnet; throws invalid-subnet with the reason. */
export function parseSubnet(cidr: string): MeshSubnet {
  try {
    return parseMeshSubnet(cidr);
  } catch (err) {
    throw new ControlError('invalid-subnet', (err as Error).message);
  }
}

/** Maps a failure while joining to the error the API returns (message safe to show). */
export function toControlError(err: unknown): ControlError {
  if (err instanceof ControlError) return err;
  const e = err as Error & { code?: string; missingBinary?: boolean };
  if (e.missingBinary) return new ControlError('wireguard-unavailable', e.message);
  if (e.code === 'port-in-use') return new ControlError('port-in-use', e.message);
  return new ControlError('system-error', e.message ?? String(err));
}
