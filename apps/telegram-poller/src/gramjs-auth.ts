import type { Logger } from '@volspike/runtime';
import { Api, TelegramClient } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { PinoGramJsLogger, connectWithin } from './gramjs-source.js';
import type { AuthClient } from './login.js';

/** {@link AuthClient} over GramJS's `client.start()`: a fresh StringSession, saved once signed in. */
export class GramJsAuthClient implements AuthClient {
  private readonly client: TelegramClient;

  constructor(apiId: number, apiHash: string, logger: Logger) {
    this.client = new TelegramClient(new StringSession(''), apiId, apiHash, {
      connectionRetries: 3,
      baseLogger: new PinoGramJsLogger(logger),
    });
  }

  async signIn(p: Parameters<AuthClient['signIn']>[0]): Promise<{ session: string; account: string }> {
    await connectWithin(this.client, 60_000);
    await this.client.start({
      phoneNumber: () => p.phone(),
      phoneCode: (viaApp) => p.code(viaApp ?? false),
      password: (hint) => p.password(hint),
      firstAndLastNames: () =>
        Promise.reject(new Error('this phone number has no Telegram account: sign up in a Telegram app first')),
      onError: (err) => p.onError(err),
    });
    const me = await this.client.getMe();
    const name = me instanceof Api.User ? [me.firstName, me.lastName].filter((x) => x).join(' ') : '';
    const account = `${name || 'the account'}${me instanceof Api.User && me.username ? ` (@${me.username})` : ''}`;
    return { session: String(this.client.session.save()), account };
  }

  async close(): Promise<void> {
    await this.client.destroy();
  }
}
