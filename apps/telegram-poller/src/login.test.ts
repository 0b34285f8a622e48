import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { LinePrompter, runLogin, type AuthClient } from './login.js';

const SESSION = '1BVtsOKABu-NOT-A-REAL-SESSION-STRING=';

/** Plays Telegram's side of the dialogue like GramJS's client.start(): phone, code (wrong once), 2FA password. */
class FakeAuth implements AuthClient {
  readonly answers: Record<string, string[]> = { phone: [], code: [], password: [] };
  closed = false;
  constructor(private readonly opts: { wrongCodeFirst?: boolean; twoFactor?: boolean } = {}) {}
  async signIn(p: Parameters<AuthClient['signIn']>[0]): Promise<{ session: string; account: string }> {
    this.answers.phone!.push(await p.phone());
    for (;;) {
      let code: string;
      try {
        code = await p.code(true);
      } catch (err) {
        if (await p.onError(err as Error)) throw new Error('AUTH_USER_CANCEL');
        continue;
      }
      this.answers.code!.push(code);
      if (this.opts.wrongCodeFirst && this.answers.code!.length === 1) {
        if (await p.onError(new Error('PHONE_CODE_INVALID'))) throw new Error('AUTH_USER_CANCEL');
        continue;
      }
      break;
    }
    if (this.opts.twoFactor) this.answers.password!.push(await p.password('usual + year'));
    return { session: SESSION, account: 'Desk Bot (@volspike_desk)' };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function run(input: string, auth: FakeAuth, opts: { force?: boolean; existing?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'telegram-login-'));
  dirs.push(dir);
  const sessionFile = join(dir, 'telegram-poller', 'session');
  if (opts.existing !== undefined) {
    await runLogin({ auth: new FakeAuth(), prompter: prompter('+1\n1\n').p, sessionFile, force: false, say: () => {} });
  }
  const { p, out } = prompter(input);
  const said: string[] = [];
  const result = runLogin({ auth, prompter: p, sessionFile, force: opts.force ?? false, say: (l) => said.push(l) });
  return { result, out, said, sessionFile, p };
}

function prompter(input: string): { p: LinePrompter; out: () => string } {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let written = '';
  stdout.on('data', (c: Buffer) => (written += c.toString('utf8')));
  const p = new LinePrompter(stdin, stdout);
  stdin.end(input); // typed ahead, as when piped: every line must still reach its prompt
  return { p, out: () => written };
}

describe('npm run telegram -- login', () => {
  it('asks phone, code (again after a wrong one) and the 2FA password, then saves the session with mode 0600', async () => {
    const auth = new FakeAuth({ wrongCodeFirst: true, twoFactor: true });
    const r = await run('+44 7700 900123\n11111\n\n22222\nhunter2-secret\n', auth);
    await expect(r.result).resolves.toEqual({ account: 'Desk Bot (@volspike_desk)' });
    expect(auth.answers).toEqual({
      phone: ['+44 7700 900123'],
      code: ['11111', '22222'],
      password: ['hunter2-secret'],
    });
    expect(r.out()).toMatch(
      /^Phone number of the Telegram account .*: Login code Telegram sent to your Telegram app: /,
    );
    expect(r.out()).toContain('Two-step verification password (hint: usual + year): ');
    expect(r.said).toEqual([
      'Telegram refused: PHONE_CODE_INVALID. Try again (Ctrl-C to quit).',
      `Signed in as Desk Bot (@volspike_desk). Session saved to ${r.sessionFile} (mode 0600).`,
    ]);
    expect(await readFile(r.sessionFile, 'utf8')).toBe(`${SESSION}\n`);
    expect((await stat(r.sessionFile)).mode & 0o777).toBe(0o600);
    // Neither the session nor the password is ever printed.
    expect(r.out() + r.said.join('\n')).not.toContain(SESSION);
    expect(r.out() + r.said.join('\n')).not.toContain('hunter2');
  });

  it('input ending before the code cancels the login and writes nothing', async () => {
    const r = await run('+44 7700 900123\n', new FakeAuth());
    await expect(r.result).rejects.toThrow('AUTH_USER_CANCEL');
    expect(existsSync(r.sessionFile)).toBe(false);
  });

  it('refuses to replace a saved session unless --force', async () => {
    const r = await run('+1\n1\n', new FakeAuth(), { existing: 'yes' });
    await expect(r.result).rejects.toMatchObject({ code: 'TELEGRAM_SESSION_EXISTS' });
    const forced = await run('+1\n1\n', new FakeAuth(), { existing: 'yes', force: true });
    await expect(forced.result).resolves.toBeDefined();
  });

  it('an existing file is left alone when the login is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'telegram-login-'));
    dirs.push(dir);
    const file = join(dir, 'session');
    await writeFile(file, 'old\n', { mode: 0o600 });
    const { p } = prompter('+1\n');
    await expect(
      runLogin({ auth: new FakeAuth(), prompter: p, sessionFile: file, force: true, say: () => {} }),
    ).rejects.toThrow('AUTH_USER_CANCEL');
    expect(await readFile(file, 'utf8')).toBe('old\n');
  });
});
