/**
 * The port between the control server and the rest of the service. The server validates every
 * request against the shared schemas before calling a method, and validates (and so strips)
 * every result against the response schema before sending it.
 *
 * Contract for implementations:
 * - Throw `ControlError` (shared/protocol) for expected failures (`already-joined`, `not-joined`, `busy`,
 *   `invalid-secret`, `wireguard-unavailable`, …); its message goes to the client verbatim, so
 *   it must be safe to show and must never contain the secret. Any other exception becomes a
 *   generic `internal` error (logged, not sent).
 * - `status()`, `peers()` and `getPrefs()` are cheap, synchronous reads of current state.
 * - `subscribe` listeners are called synchronously, in order, after each state change; the
 *   returned function unsubscribes and is idempotent.
 */
import type { JoinRequest, Peer, Prefs, PrefsPatch, Status, WatchEvent } from '../../shared/protocol';

/** A watch listener; receives `status` and `peers` events (the server sends the snapshot). */
export type WatchListener = (event: WatchEvent) => void;

/** What the control server needs from the service. */
export interface Backend {
  /** Current state of this node. */
  status(): Status;
  /** Current peers. */
  peers(): Peer[];
  /**
   * Joins the mesh given by `req.secret` (already length-checked and parsed once by the server,
   * `meshSubnet` already canonical). Records the intent and returns the status right after.
   */
  join(req: JoinRequest): Promise<Status>;
  /** Leaves the mesh (forgets the secret, tears the tunnel down); returns the new status. */
  leave(): Promise<Status>;
  /** Current preferences. */
  getPrefs(): Prefs;
  /** Applies a partial update of the preferences (validated) and returns the result. */
  patchPrefs(patch: PrefsPatch): Promise<Prefs>;
  /** Registers a listener for state changes; returns the unsubscribe function. */
  subscribe(listener: WatchListener): () => void;
}
