/**
 * Bodies of the two endpoints whose answers carry a credential, so they are kept apart and only
 * answered to an explicit request: revealing the mesh secret (`POST /v1/secret/reveal`) and the
 * web console's tokenised URL (`/v1/web-console…`). Callers have access to the control socket
 * (root or the `cloudroof` group), which is the authorisation; neither answer is ever logged.
 */
import { z } from 'zod';

/** Body of POST /v1/secret/reveal: `confirm` must be `true` (the UI asks the user first). */
export const RevealSecretRequest = z.strictObject({ confirm: z.literal(true) });
/** Body of POST /v1/secret/reveal. */
export type RevealSecretRequest = z.infer<typeof RevealSecretRequest>;

/** Answer of POST /v1/secret/reveal: the stored secret exactly as it was given to `join`. */
export const RevealSecretResponse = z.object({
  secret: z.string(),
  /** True when `secret` is in the canonical `wgmesh://v1/…` token form. */
  token: z.boolean(),
});
/** Answer of POST /v1/secret/reveal. */
export type RevealSecretResponse = z.infer<typeof RevealSecretResponse>;

/** Form of the web console's token: 32 random bytes as unpadded base64url. */
export const WEB_CONSOLE_TOKEN_FORM = /^[A-Za-z0-9_-]{43}$/;

/** Default TCP port of the web console (on 127.0.0.1 only). */
export const DEFAULT_WEB_CONSOLE_PORT = 7475;

/**
 * State of the web console: off, or listening on `127.0.0.1:port` (and `[::1]:port` when the
 * host has IPv6). `url` carries the access token in its fragment
 * (`http://127.0.0.1:7475/#token=…`), so it never reaches a server log or a Referer header.
 */
export const WebConsoleState = z.object({
  enabled: z.boolean(),
  port: z.number().int().optional(),
  url: z.string().optional(),
  /** Why it is not listening although enabled (e.g. the port is taken), safe to show. */
  error: z.string().optional(),
});
/** State of the web console. */
export type WebConsoleState = z.infer<typeof WebConsoleState>;

/**
 * Body of POST /v1/web-console/enable. The console stays on across service restarts until
 * disabled; `newToken` replaces the token (every open console page must then be reopened).
 */
export const WebConsoleEnableRequest = z.strictObject({
  port: z.number().int().min(1).max(65535).optional(),
  newToken: z.boolean().optional(),
});
/** Body of POST /v1/web-console/enable. */
export type WebConsoleEnableRequest = z.infer<typeof WebConsoleEnableRequest>;

/** Body of POST /v1/web-console/disable (empty). */
export const WebConsoleDisableRequest = z.strictObject({});
/** Body of POST /v1/web-console/disable. */
export type WebConsoleDisableRequest = z.infer<typeof WebConsoleDisableRequest>;
