/** govshare sealed claims v1 (README "Sealed comparisons"): shared by the consumer, the gateway and the provider kit. */
export * from './wire.ts';
export { sealedAad, sealedInfo } from './aad.ts';
export { padJson, unpadJson } from './padding.ts';
export { sealedClaimsSuite } from './suite.ts';
export { claimKeyId, generateClaimKey, importPrivateKey, importPublicKey, type PublicClaimKey, type StoredClaimKey } from './claim-key.ts';
export { sealClaims, type SealedBatch } from './seal.ts';
export { openClaims, sealResults } from './open.ts';
export {
  CLAIM_KEY_ALGORITHMS, CLAIM_KEY_ISSUER, CLAIM_KEY_TOKEN_SECONDS, CLAIM_KEY_TYPE, ClaimKeyVerificationError, verifyClaimKey,
  type ClaimKeyClaims, type SignedClaimKey,
} from './claim-key-token.ts';
