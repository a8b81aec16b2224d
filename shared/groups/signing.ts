/**
 * @module A peer's signing key (issue 16): an Ed25519 key pair made by Web Crypto with a
 * NON-extractable private key (the page, a script injected into it or the host can use it
 * through this tab only, never copy it out), its public half registered at the seat claim.
 * Each result is signed over groupResultMessage, which binds the group, the lease, the
 * input the peer computed on and its output, so the host can drop or delay a result but
 * never alter it, replay it on another lease, or pass off an altered input as the peer's
 * mistake. The same code runs in browsers and Node 20.
 */
import { sha256Hex } from '../base64.ts';
import { groupResultMessage } from './schemas.ts';

/** Base64url without padding (RFC 4648 §5), as the API carries keys and signatures. */
export function toBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** A peer's key: the pair (the private half cannot be exported) and the public half as the API takes it. */
export interface PeerKey {
  keyPair: CryptoKeyPair;
  /** Raw 32-byte public key, base64url. */
  publicKey: string;
}

/** A new signing key for one seat. */
export async function newPeerKey(): Promise<PeerKey> {
  const keyPair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey));
  return { keyPair, publicKey: toBase64url(raw) };
}

/** The peer's signature (base64url) over its output of `leaseId`, computed on input of hash `inputSha256`. */
export async function signGroupResult(key: PeerKey, groupId: string, leaseId: number, inputSha256: string, output: Uint8Array): Promise<string> {
  const message = new TextEncoder().encode(groupResultMessage(groupId, leaseId, inputSha256, await sha256Hex(output)));
  return toBase64url(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.keyPair.privateKey, message)));
}
