/**
 * The node's identity: WireGuard key pair and mesh addresses, in `<state-dir>/identity.json`
 * (mode 0600, the layout of wgmesh's state file, spec 4.3). Loaded at join; the key survives
 * leave and restarts, so the node keeps its mesh IP (spec 1.8).
 */
import path from 'node:path';
import { z } from 'zod';
import { deriveMeshIPv4, deriveMeshIPv6, meshIPInSubnet, meshIPv6InPrefix, type MeshSubnet } from '../../shared/mesh/address';
import type { MeshKeys } from '../../shared/mesh/derive';
import { generateKeyPair, isValidKey, publicKeyFromPrivate } from '../engine/wireguard/keys';
import { readJsonFile, writeJsonFile } from './atomic-file';

const fileSchema = z.object({
  wg_pubkey: z.string(),
  wg_private_key: z.string(),
  mesh_ip: z.string().optional(),
  mesh_ipv6: z.string().optional(),
});

/** The node's key pair and mesh addresses. */
export interface Identity {
  privateKey: string;
  publicKey: string;
  meshIPv4: string;
  meshIPv6: string;
}

/** Path of the identity file inside a state directory. */
export const identityPath = (stateDir: string): string => path.join(stateDir, 'identity.json');

/**
 * Loads the identity (creating a key pair on first use) and settles the mesh addresses for
 * this secret: a stored IPv4 inside the mesh subnet is kept, otherwise derived (spec 1.4/1.5);
 * a stored IPv6 is kept, otherwise derived (1.6). Writes the file when anything changed.
 */
export async function loadIdentity(stateDir: string, keys: MeshKeys, rawSecret: string, subnet: MeshSubnet): Promise<Identity> {
  const file = identityPath(stateDir);
  const parsed = fileSchema.safeParse(await readJsonFile(file).catch(() => undefined));
  let privateKey: string;
  let stored: z.infer<typeof fileSchema> | undefined;
  if (parsed.success && isValidKey(parsed.data.wg_private_key)) {
    stored = parsed.data;
    privateKey = parsed.data.wg_private_key;
  } else {
    privateKey = generateKeyPair().privateKey;
  }
  const publicKey = publicKeyFromPrivate(privateKey);
  const meshIPv4 = stored?.mesh_ip && meshIPInSubnet(stored.mesh_ip, subnet)
    ? stored.mesh_ip
    : deriveMeshIPv4(keys, publicKey, rawSecret, { subnet });
  // Go keeps any stored IPv6 (spec 1.8); one outside this secret's /64 could never route, so
  // unlike Go we re-derive it then, as we do for IPv4.
  const meshIPv6 = (stored?.mesh_ipv6 && meshIPv6InPrefix(stored.mesh_ipv6, keys.meshPrefixV6))
    || deriveMeshIPv6(keys, publicKey, rawSecret);
  const identity = { privateKey, publicKey, meshIPv4, meshIPv6 };
  if (!stored || stored.wg_pubkey !== publicKey || stored.mesh_ip !== meshIPv4 || stored.mesh_ipv6 !== meshIPv6) {
    await writeJsonFile(file, { wg_pubkey: publicKey, wg_private_key: privateKey, mesh_ip: meshIPv4, mesh_ipv6: meshIPv6 });
  }
  return identity;
}
