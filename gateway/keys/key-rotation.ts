import type { JSONWebKeySet, JWK } from 'jose';
import {
  CLOCK_TOLERANCE_SECONDS, createRequestSigner, SIGNATURE_TTL_SECONDS, type RequestSigner,
} from '../../protocol/gateway-signature.ts';
import { keySettingsFromEnv } from '../config.ts';
import { keySetOf, readPublishedKeysFile } from './jwks.ts';
import type { GatewaySigningKey } from './signing-key.ts';

/**
 * How long a key stays published after the gateway stopped signing with it: until the last signature
 * it made can no longer pass a subgraph's expiry check (its lifetime plus the verifiers' clock
 * tolerance). Longer would only serve someone who holds the old key.
 */
export const RETIRED_KEY_SECONDS = SIGNATURE_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS;
/** The same for a signature lifetime configured shorter (`GOVSHARE_SIGNATURE_TTL_SECONDS`). */
export const retiredKeySeconds = (signatureTtlSeconds: number): number => signatureTtlSeconds + CLOCK_TOLERANCE_SECONDS;

/** What a reload found, for the log. */
export interface KeyReload {
  /** True when the signing key is another one than before. */
  switched: boolean;
  signing: GatewaySigningKey;
  /** The kids `/.well-known/jwks.json` serves now, the signing key first. */
  published: string[];
  /** A key the gateway stopped signing with, and until when it stays published. */
  retired?: { kid: string; until: Date };
}

export interface SigningKeys {
  readonly current: GatewaySigningKey;
  /** Signs with whichever key is current at the moment of the call. */
  readonly signer: RequestSigner;
  /** What `/.well-known/jwks.json` serves at this moment. */
  keySet(): JSONWebKeySet;
  /**
   * Reads the signing key and the published keys again. All or nothing: when either cannot be read
   * (a half-written file, a private key in the published set) it rejects and the keys in use stay.
   */
  reload(): Promise<KeyReload>;
}

export interface SigningKeysOptions {
  initial: GatewaySigningKey;
  /** Reads the signing key from where it was configured (`GOVSHARE_GATEWAY_KEY`, or the data dir). */
  load: () => Promise<GatewaySigningKey>;
  /** `GOVSHARE_GATEWAY_PUBLISHED_KEYS` as configured (`config.keys.publishedKeys`), read again on every reload. */
  publishedKeys?: string | undefined;
  /** Instead of `publishedKeys`: the environment it is configured in (tests). */
  env?: NodeJS.ProcessEnv;
  /** `GOVSHARE_SIGNATURE_TTL_SECONDS` (`config.keys.signatureTtlSeconds`); SIGNATURE_TTL_SECONDS when absent. */
  signatureTtlSeconds?: number;
  now?: () => number;
}

/**
 * The gateway's signing key, replaceable while it serves (SIGHUP, see README "Rotating the gateway's
 * key"). A call in flight keeps the signature it was given; every call after the switch is signed with
 * the new key, and the old one stays in the published set for retiredKeySeconds (lifetime + tolerance) so that no verifier
 * that refetches the set meanwhile loses the key of a signature still on its way.
 */
export function createSigningKeys({ initial, load, publishedKeys, env, signatureTtlSeconds = SIGNATURE_TTL_SECONDS, now = Date.now }: SigningKeysOptions): SigningKeys {
  const path = publishedKeys ?? (env ? keySettingsFromEnv(env).publishedKeys : undefined);
  const readPublished = () => readPublishedKeysFile(path);
  const signerOf = (key: GatewaySigningKey) => createRequestSigner(key, signatureTtlSeconds);
  let current = { key: initial, signer: signerOf(initial) };
  // The published file as last read: the set is recomposed from it when a retired key leaves, never re-read then.
  let extra = readPublished();
  let retired: Array<{ jwk: JWK; until: number }> = [];
  let published = keySetOf(initial, extra);

  const live = () => retired.filter((r) => r.until > now());
  const compose = (key: GatewaySigningKey, keys: readonly JWK[], stillRetired: typeof retired) => keySetOf(key, keys, stillRetired.map((r) => r.jwk));

  return {
    get current() { return current.key; },
    signer: {
      get kid() { return current.signer.kid; },
      sign: (input, body, nowSeconds) => current.signer.sign(input, body, nowSeconds),
    },
    keySet() {
      // A retired key leaves the set by itself once its time is up, without waiting for another reload.
      if (retired.length && live().length !== retired.length) {
        retired = live();
        published = compose(current.key, extra, retired);
      }
      return published;
    },
    async reload() {
      const next = await load();
      const nextExtra = readPublished();
      const switched = next.kid !== current.key.kid;
      const nextRetired = live().filter((r) => r.jwk.kid !== next.kid);
      const until = now() + retiredKeySeconds(signatureTtlSeconds) * 1000;
      if (switched) nextRetired.push({ jwk: current.key.publicJwk, until });
      const nextPublished = compose(next, nextExtra, nextRetired);
      // Nothing changes before everything above has been read and checked.
      if (switched) current = { key: next, signer: signerOf(next) };
      extra = nextExtra;
      retired = nextRetired;
      published = nextPublished;
      return {
        switched, signing: next, published: nextPublished.keys.map((k) => k.kid!),
        ...(switched ? { retired: { kid: nextRetired.at(-1)!.jwk.kid!, until: new Date(until) } } : {}),
      };
    },
  };
}
