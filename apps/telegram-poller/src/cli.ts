import { createLogger, EnvError } from '@volspike/runtime';
import { loadAppEnv } from './env.js';
import { GramJsAuthClient } from './gramjs-auth.js';
import { LinePrompter, runLogin } from './login.js';
import { SessionError, sessionFilePath } from './session.js';

// `npm run telegram -- <command>`: the operator's commands of the Telegram poller.
const USAGE = `usage: npm run telegram -- login [--force]

  login     sign the Telegram user in once (phone, login code, two-step password) and save the session
            to TELEGRAM_SESSION_FILE (default <DATA_DIR>/telegram-poller/session), mode 0600.
            Needs TELEGRAM_API_ID and TELEGRAM_API_HASH (my.telegram.org). --force replaces a saved session.
`;

async function login(force: boolean): Promise<number> {
  const env = loadAppEnv(process.env);
  if (env.TELEGRAM_API_ID === undefined || env.TELEGRAM_API_HASH === undefined) {
    process.stderr.write(
      'TELEGRAM_API_ID and TELEGRAM_API_HASH must be set (create them at https://my.telegram.org)\n',
    );
    return 1;
  }
  // GramJS's own warnings go to stderr as JSON lines; nothing secret is logged.
  const logger = createLogger({ name: 'telegram-login', level: 'warn', destination: process.stderr });
  const auth = new GramJsAuthClient(env.TELEGRAM_API_ID, env.TELEGRAM_API_HASH, logger);
  const prompter = new LinePrompter(process.stdin, process.stdout);
  try {
    await runLogin({
      auth,
      prompter,
      sessionFile: sessionFilePath(env),
      force,
      say: (line) => process.stdout.write(`${line}\n`),
    });
    return 0;
  } finally {
    prompter.close();
    await auth.close().catch(() => undefined);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'login') return login(rest.includes('--force'));
  process.stderr.write(USAGE);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const e = err as Error;
  const cancelled = e.message === 'AUTH_USER_CANCEL';
  if (err instanceof EnvError || err instanceof SessionError || cancelled)
    process.stderr.write(`${cancelled ? 'login cancelled: input ended before it was complete' : e.message}\n`);
  else process.stderr.write(`login failed: ${e.message}\n`);
  process.exitCode = 1;
}
// GramJS keeps timers alive after destroy() in some versions: leave explicitly once done.
process.exit(process.exitCode);
