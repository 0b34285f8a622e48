import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { VolspikeError } from '@volspike/errors';
import { SessionError, saveSession } from './session.js';

/** The sign-in dialogue of a Telegram user client (GramJS in production, a fake in tests). */
export interface AuthClient {
  /** Runs the dialogue through these callbacks; `onError` resolves true to give up. */
  signIn(p: {
    phone(): Promise<string>;
    code(viaApp: boolean): Promise<string>;
    password(hint: string | undefined): Promise<string>;
    onError(err: Error): Promise<boolean>;
  }): Promise<{ session: string; account: string }>;
  close(): Promise<void>;
}

export class PromptClosedError extends VolspikeError<'TELEGRAM_LOGIN_INPUT_ENDED'> {
  constructor() {
    super('TELEGRAM_LOGIN_INPUT_ENDED', 'input ended before the login was complete');
  }
}

/**
 * Line prompts over a readable/writable pair (stdin/stdout, or streams in tests). Lines typed ahead are
 * queued, so piped input works. A secret answer is not echoed when the input is a terminal.
 */
export class LinePrompter {
  private readonly rl: Interface;
  private readonly lines: string[] = [];
  private waiting: { resolve(v: string): void; reject(e: Error): void } | null = null;
  private closed = false;
  private muted = false;

  constructor(
    input: Readable & { isTTY?: boolean },
    private readonly output: Writable,
  ) {
    const terminal = input.isTTY === true;
    this.rl = createInterface({ input, output, terminal });
    if (terminal) {
      // readline echoes what is typed through _writeToOutput; a secret prompt swallows the echo.
      const rl = this.rl as unknown as { _writeToOutput(s: string): void };
      const write = rl._writeToOutput.bind(rl);
      rl._writeToOutput = (s: string) => (this.muted ? s.includes('\n') && output.write('\n') : write(s));
    }
    this.rl.on('line', (line) => {
      if (this.waiting) this.waiting.resolve(line);
      else this.lines.push(line);
      this.waiting = null;
    });
    this.rl.on('close', () => {
      this.closed = true;
      this.waiting?.reject(new PromptClosedError());
      this.waiting = null;
    });
  }

  get isClosed(): boolean {
    return this.closed && this.lines.length === 0;
  }

  async ask(question: string, opts: { secret?: boolean } = {}): Promise<string> {
    this.output.write(question);
    this.muted = opts.secret === true;
    try {
      const queued = this.lines.shift();
      if (queued !== undefined) return queued.trim();
      if (this.closed) throw new PromptClosedError();
      return (await new Promise<string>((resolve, reject) => (this.waiting = { resolve, reject }))).trim();
    } finally {
      this.muted = false;
    }
  }

  close(): void {
    this.rl.close();
  }
}

export interface LoginOptions {
  auth: AuthClient;
  prompter: LinePrompter;
  sessionFile: string;
  /** Replace an existing session file. */
  force: boolean;
  /** Progress lines for the operator (never the session, the code or the password). */
  say: (line: string) => void;
}

/** Asks until the answer is not empty (input ending stops it). */
async function askNonEmpty(p: LinePrompter, question: string, secret = false): Promise<string> {
  for (;;) {
    const answer = await p.ask(question, { secret });
    if (answer) return answer;
  }
}

/**
 * `npm run telegram -- login`: signs the user in (phone, login code, two-step password when the account has
 * one) and saves the session to `sessionFile` with mode 0600. Telegram's refusals (wrong code…) are shown
 * and asked again; input ending aborts without writing anything.
 */
export async function runLogin(o: LoginOptions): Promise<{ account: string }> {
  if (existsSync(o.sessionFile) && !o.force)
    throw new SessionError(
      'TELEGRAM_SESSION_EXISTS',
      `a session already exists at ${o.sessionFile}; pass --force to replace it (the old one stays valid until you end it in Telegram's Settings → Devices)`,
    );
  const { session, account } = await o.auth.signIn({
    phone: () =>
      askNonEmpty(o.prompter, 'Phone number of the Telegram account (international format, e.g. +447700900123): '),
    code: (viaApp) =>
      askNonEmpty(o.prompter, `Login code Telegram sent ${viaApp ? 'to your Telegram app' : 'by SMS'}: `),
    password: (hint) =>
      askNonEmpty(o.prompter, `Two-step verification password${hint ? ` (hint: ${hint})` : ''}: `, true),
    onError: async (err) => {
      if (err instanceof PromptClosedError || o.prompter.isClosed) return true;
      o.say(`Telegram refused: ${err.message}. Try again (Ctrl-C to quit).`);
      return false;
    },
  });
  await saveSession(o.sessionFile, session);
  o.say(`Signed in as ${account}. Session saved to ${o.sessionFile} (mode 0600).`);
  return { account };
}
