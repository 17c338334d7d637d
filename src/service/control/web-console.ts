/**
 * The web console's manager (ARCHITECTURE.md, "Security of the control channel"): whether the
 * console is on and on which port (`web-console.json` in the state dir), its access token
 * (`web-console.token`: 32 random bytes, base64url, 0600), and the HTTP server that serves it.
 *
 * Lifecycle: `start()` at service start listens when the saved state says "enabled" (a taken
 * port becomes the state's `error`; the service starts anyway); `enable`/`disable` answer the
 * control endpoints and persist the intent; `stop()` at service stop closes the server and
 * every open page's event stream. Operations run one at a time. Neither the token nor the URL
 * is ever logged: only the control endpoints' answers carry them.
 */
import { randomBytes } from 'node:crypto';
import { access, chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  WEB_CONSOLE_TOKEN_FORM,
  ControlError, DEFAULT_WEB_CONSOLE_PORT, type WebConsoleEnableRequest, type WebConsoleState,
} from '../../shared/protocol';
import type { Logger } from '../log';
import { SerialQueue } from '../serial-queue';
import { readJsonFile, writeFileAtomic, writeJsonFile } from '../state/atomic-file';
import type { Backend } from './backend';
import { startWebConsoleServer, type WebConsoleServer } from './web-console-server';

/** The three web console endpoints, as the handler table reaches them. */
export interface WebConsoleControl {
  /** Current state; `url` (with the token) only while listening. */
  state(): WebConsoleState;
  /** Turns the console on (or moves it, or replaces its token); `port-in-use` changes nothing. */
  enable(req: WebConsoleEnableRequest): Promise<WebConsoleState>;
  /** Turns the console off (the token is kept for the next enable). */
  disable(): Promise<WebConsoleState>;
}

/** Options of {@link WebConsoleManager}. */
export interface WebConsoleOptions {
  stateDir: string;
  backend: Backend;
  logger: Logger;
  /** Directory of the built renderer (index.html, assets/); absent: none configured. */
  webRoot?: string;
  /** Also listen on [::1] (skipped quietly when the host has no IPv6 loopback). */
  ipv6: boolean;
  /** Time a client has to send a complete request; default 10 s. */
  requestTimeoutMs?: number;
  /** Keep-alive interval of the pages' event streams; default 15 s. */
  keepAliveMs?: number;
}

/** Name of the state file in the state dir. */
export const WEB_CONSOLE_STATE_FILE = 'web-console.json';
/** Name of the token file in the state dir. */
export const WEB_CONSOLE_TOKEN_FILE = 'web-console.token';

const Saved = z.object({ enabled: z.boolean(), port: z.number().int().min(1).max(65535) });
type Saved = z.infer<typeof Saved>;

/** Owns the web console: persisted intent, token, and the running server. */
export class WebConsoleManager implements WebConsoleControl {
  private saved: Saved = { enabled: false, port: DEFAULT_WEB_CONSOLE_PORT };
  private token: string | undefined;
  private server: WebConsoleServer | undefined;
  private error: string | undefined;
  private readonly queue = new SerialQueue();
  private readonly logger: Logger;

  constructor(private readonly opts: WebConsoleOptions) {
    this.logger = opts.logger.child('web-console');
  }

  /** Loads the saved state and token; listens when enabled (never rejects for a taken port). */
  start(): Promise<void> {
    return this.queue.run(async () => {
      this.saved = await this.loadSaved();
      this.token = await this.loadToken();
      if (!this.saved.enabled) return;
      try {
        if (!this.token) await this.saveToken(this.newToken());
        this.server = await this.listen(this.saved.port);
        await this.checkWebRoot();
      } catch (err) {
        this.error = err instanceof ControlError ? err.message : 'the web console could not start';
        this.logger.warn('web console not started', { port: this.saved.port, reason: this.error });
      }
    });
  }

  /** Closes the server and every open event stream; the saved state is kept. */
  stop(): Promise<void> {
    return this.queue.run(() => this.closeServer());
  }

  /** Current state; `url` (with the token) only while listening, `error` only while enabled. */
  state(): WebConsoleState {
    const { enabled, port } = this.saved;
    const url = enabled && this.server && this.token ? `http://127.0.0.1:${this.server.port}/#token=${this.token}` : undefined;
    const error = enabled ? this.error : undefined;
    return { enabled, port, ...(url ? { url } : {}), ...(error ? { error } : {}) };
  }

  /**
   * Listens on the new port first (`port-in-use`: nothing changed), then saves the token and the
   * intent, then closes the old server; with `newToken` on the same port, open streams are ended.
   */
  enable(req: WebConsoleEnableRequest): Promise<WebConsoleState> {
    return this.queue.run(async () => {
      const port = req.port ?? this.saved.port;
      const token = req.newToken || !this.token ? this.newToken() : this.token;
      const old = this.server;
      const fresh = old?.port === port ? undefined : await this.listen(port); // port-in-use: nothing changed yet
      try {
        if (token !== this.token) await this.saveToken(token);
        await this.save({ enabled: true, port });
      } catch (err) {
        await fresh?.close();
        throw stateWriteError(err);
      }
      if (fresh) {
        this.server = fresh;
        await old?.close();
      } else if (req.newToken) {
        old?.closeStreams(); // pages opened with the old token must not keep receiving events
      }
      await this.checkWebRoot();
      this.logger.info('web console enabled', { port, replacedAccess: req.newToken === true }); // a field named *token* would be redacted
      return this.state();
    });
  }

  /** Saves "disabled" (a failed write changes nothing), then closes the server. */
  disable(): Promise<WebConsoleState> {
    return this.queue.run(async () => {
      if (this.saved.enabled) {
        try {
          await this.save({ enabled: false, port: this.saved.port });
        } catch (err) {
          throw stateWriteError(err);
        }
        this.logger.info('web console disabled', { port: this.saved.port });
      }
      await this.closeServer();
      this.error = undefined;
      return this.state();
    });
  }

  /** Strings the logger must never print (the token), for its last line of defence. */
  scrubList(): string[] {
    return this.token ? [this.token] : [];
  }

  private listen(port: number): Promise<WebConsoleServer> {
    return startWebConsoleServer({
      port, ipv6: this.opts.ipv6, backend: this.opts.backend, logger: this.logger, webRoot: this.opts.webRoot,
      token: () => this.token, requestTimeoutMs: this.opts.requestTimeoutMs, keepAliveMs: this.opts.keepAliveMs,
    });
  }

  /** Sets `error` to why the pages cannot be served (logged), or clears it. */
  private async checkWebRoot(): Promise<void> {
    this.error = await this.webRootProblem();
    if (this.error) this.logger.warn('web console pages are missing', { reason: this.error });
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  /** Why the pages cannot be served, or undefined when the web root has an index.html. */
  private async webRootProblem(): Promise<string | undefined> {
    const root = this.opts.webRoot;
    if (root === undefined) return 'no web root is configured (cloudroofd --web-root DIR)';
    const ok = await access(path.join(root, 'index.html')).then(() => true, () => false);
    return ok ? undefined : `the web console's pages are missing: no index.html in ${root} (build them with 'npm run build', or pass cloudroofd --web-root DIR)`;
  }

  private newToken(): string {
    return randomBytes(32).toString('base64url');
  }

  private tokenFile(): string {
    return path.join(this.opts.stateDir, WEB_CONSOLE_TOKEN_FILE);
  }

  private async saveToken(token: string): Promise<void> {
    await writeFileAtomic(this.tokenFile(), token + '\n', 0o600);
    this.token = token;
  }

  private async save(next: Saved): Promise<void> {
    await writeJsonFile(path.join(this.opts.stateDir, WEB_CONSOLE_STATE_FILE), next);
    this.saved = next;
  }

  private async loadSaved(): Promise<Saved> {
    const fallback: Saved = { enabled: false, port: DEFAULT_WEB_CONSOLE_PORT };
    const raw = await readJsonFile(path.join(this.opts.stateDir, WEB_CONSOLE_STATE_FILE)).catch(() => null);
    if (raw === undefined) return fallback;
    const parsed = Saved.safeParse(raw);
    if (parsed.success) return parsed.data;
    this.logger.warn(`ignoring an unreadable ${WEB_CONSOLE_STATE_FILE}; the web console stays off`);
    return fallback;
  }

  /** The saved token when well-formed (its mode restored to 0600), else undefined. */
  private async loadToken(): Promise<string | undefined> {
    const text = await readFile(this.tokenFile(), 'utf8').catch(() => '');
    const token = text.trim();
    if (!WEB_CONSOLE_TOKEN_FORM.test(token)) return undefined;
    await chmod(this.tokenFile(), 0o600).catch(() => undefined);
    return token;
  }
}

/** A failed state write as a `system-error` that names the file's directory, not its content. */
function stateWriteError(err: unknown): ControlError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'error';
  return new ControlError('system-error', `could not save the web console's state in the state directory (${code})`);
}
