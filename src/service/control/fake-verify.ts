/**
 * The FakeBackend's edges and site verification (tests of the control server, the CLI and
 * clients): a scriptable edge list, and a verification that checks its input like the real one
 * (`site-not-found`, `not-joined`, before anything streams), emits scripted lines, and can hold
 * the stream open until the client leaves, counting the aborts it saw.
 */
import { ControlError, VerifyCheck, type MeshEdge, type VerifyEvent, type VerifySiteRequest, type VerifyStep } from '../../shared/protocol';

/** Public key of the edge in the default script. */
export const FAKE_EDGE_KEY = 'ZWRnZWVkZ2VlZGdlZWRnZWVkZ2VlZGdlZWRnZWVkZ2U=';

/** Every check passing through one edge (`edge-1`, 10.42.0.2), as a verification streams it. */
export function passingVerifyEvents(site: string, hostname = 'www.example.com'): VerifyEvent[] {
  const steps: VerifyStep[] = VerifyCheck.options.map((check) => ({ edge: FAKE_EDGE_KEY, edgeHostname: 'edge-1', check, state: 'passed', detail: `${check} ok (${site})`, latencyMs: 3 }));
  return [
    ...steps.map((s): VerifyEvent => ({ type: 'step', step: { ...s, state: 'running', detail: undefined } })),
    ...steps.map((s): VerifyEvent => ({ type: 'step', step: s })),
    { type: 'done', ok: true, steps, publicUrls: [`https://${hostname}/`] },
  ];
}

/** Scripted edges and verification; see the module comment. */
export class FakeVerify {
  /** What `edges` answers. */
  edges: MeshEdge[] = [];
  /** Lines the verification emits; default {@link passingVerifyEvents}. */
  events: VerifyEvent[] | undefined;
  /** After its lines, keep the stream open until the client leaves. */
  hold = false;
  /** Verifications that saw their signal abort. */
  aborted = 0;
  /** Requests received (validated). */
  readonly requests: VerifySiteRequest[] = [];

  /** Runs one verification of `req` for a node where `site` is exposed (or not) and that is `joined` (or not). */
  async run(req: VerifySiteRequest, emit: (e: VerifyEvent) => void, signal: AbortSignal, site: { known: boolean; joined: boolean }): Promise<void> {
    if (!site.known) throw new ControlError('site-not-found', `no site named ${req.name} is exposed here (cloudroof expose list)`);
    if (!site.joined) throw new ControlError('not-joined', 'this node is not in a mesh, so no edge can be reached (cloudroof join)');
    this.requests.push(structuredClone(req));
    for (const e of this.events ?? passingVerifyEvents(req.name)) {
      if (signal.aborted) break;
      emit(structuredClone(e));
    }
    if (this.hold && !signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    if (signal.aborted) this.aborted++;
  }
}
