/**
 * The wgmesh v1 messages, one import for callers: plaintext types and Go-identical codecs
 * (message-codec.ts) and announcement validation, sanitising and known-peer capping
 * (announcement-rules.ts).
 */
export * from './message-codec';
export * from './announcement-rules';
