/**
 * The renderer ↔ main (and renderer ↔ web console) contract: one schema (schema.ts) that
 * generates the client (ipc-client.ts) and the dispatcher (dispatcher.ts). Pure: no Node APIs.
 */
export * from './app-schemas';
export * from './schema';
export * from './ipc-client';
export * from './dispatcher';
export * from './service-commands';
