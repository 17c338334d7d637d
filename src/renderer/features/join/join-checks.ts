/**
 * Checks of the join form as the user types, with the shared parsers the service uses too
 * (wgmesh's secret rules, the custom mesh subnet rules), so a value accepted here is not refused
 * later for a reason the form could have said. Messages never contain the secret.
 */
import { parseMeshSubnet } from '../../../shared/mesh/address';
import { goTrimSpace, isCanonicalToken, parseSecret, SecretError } from '../../../shared/mesh/secret';

/** Outcome of checking a secret as typed. */
export interface SecretCheck {
  /** True when the service would accept it. */
  ok: boolean;
  /** What is wrong, to show (absent while the field is empty). */
  error?: string;
  /** True for a valid secret that is not a generated wgmesh:// token (wgmesh warns about its entropy). */
  notToken?: boolean;
}

const sentence = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Checks a secret (a wgmesh://v1/… token or a raw secret of at least 16 bytes). */
export function checkSecret(input: string): SecretCheck {
  if (goTrimSpace(input) === '') return { ok: false };
  try {
    parseSecret(input);
  } catch (err) {
    return { ok: false, error: sentence(err instanceof SecretError ? err.message : 'the mesh secret cannot be read') };
  }
  return { ok: true, notToken: !isCanonicalToken(input) };
}

/** What is wrong with a custom mesh subnet, or undefined when it is fine (or empty: the default). */
export function checkSubnet(input: string): string | undefined {
  if (input.trim() === '') return undefined;
  try {
    parseMeshSubnet(input.trim());
    return undefined;
  } catch (err) {
    return sentence((err as Error).message);
  }
}
