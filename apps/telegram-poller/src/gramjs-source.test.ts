import { Api, errors } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import { describe, expect, it } from 'vitest';
import { ChannelSourceError, FloodWaitError } from './channel-source.js';
import { GramJsChannelSource, type TelegramInvoker } from './gramjs-source.js';

// GramJsChannelSource against a stub of TelegramClient.invoke that answers with the library's own objects.
const channel = new Api.Channel({
  id: returnBigInt('1234567890'),
  accessHash: returnBigInt('987654321'),
  title: 'Market Feed',
  username: 'marketfeed',
  photo: new Api.ChatPhotoEmpty(),
  date: 1_767_225_600,
  broadcast: true,
});
const peer = new Api.PeerChannel({ channelId: channel.id });
const post = (id: number, text = `post ${id}`): Api.Message =>
  new Api.Message({ id, peerId: peer, date: 1_767_225_600 + id, message: text, post: true, views: id * 10 });

function stub(answer: (req: unknown) => unknown): { invoker: TelegramInvoker; requests: unknown[] } {
  const requests: unknown[] = [];
  const invoker = {
    invoke: async (req: unknown) => {
      requests.push(req);
      const a = answer(req);
      if (a instanceof Error) throw a;
      return a;
    },
  } as unknown as TelegramInvoker;
  return { invoker, requests };
}

const resolved = new Api.contacts.ResolvedPeer({ peer, chats: [channel], users: [] });

describe('GramJsChannelSource', () => {
  it('resolves a username to the -100… chat id and reads forward from minId, oldest first', async () => {
    const s = stub((req) =>
      req instanceof Api.contacts.ResolveUsername
        ? resolved
        : new Api.messages.ChannelMessages({
            pts: 1,
            count: 3,
            messages: [
              post(103),
              new Api.MessageService({
                id: 102,
                peerId: peer,
                date: 1,
                action: new Api.MessageActionPinMessage(),
              }),
              post(101),
            ],
            chats: [channel],
            users: [],
            topics: [],
          }),
    );
    const source = new GramJsChannelSource(s.invoker);
    const ref = await source.resolve('@marketfeed');
    expect(ref).toEqual({ id: -1001234567890, username: 'marketfeed', title: 'Market Feed' });
    const page = await source.fetchSince(ref, 100, 50);
    expect(page.map((m) => [m.id, m.payload?.text ?? null, m.payload?.views ?? null])).toEqual([
      [101, 'post 101', 1010],
      [102, null, null],
      [103, 'post 103', 1030],
    ]);
    const history = s.requests[1] as Api.messages.GetHistory;
    expect(history).toBeInstanceOf(Api.messages.GetHistory);
    // The 50 messages right after id 100: offsetId 101 shifted back by the limit, min id 100.
    expect([history.offsetId, history.addOffset, history.limit, history.minId]).toEqual([101, -50, 50, 100]);
    expect((history.peer as Api.InputPeerChannel).accessHash.toString()).toBe('987654321');
  });

  it('a channel read for the first time asks for the newest page', async () => {
    const s = stub((req) =>
      req instanceof Api.contacts.ResolveUsername
        ? resolved
        : new Api.messages.ChannelMessages({ pts: 1, count: 0, messages: [], chats: [], users: [], topics: [] }),
    );
    const source = new GramJsChannelSource(s.invoker);
    await source.fetchSince(await source.resolve('marketfeed'), null, 100);
    const history = s.requests[1] as Api.messages.GetHistory;
    expect([history.offsetId, history.addOffset, history.limit, history.minId]).toEqual([0, 0, 100, 0]);
  });

  it("FLOOD_WAIT from GramJS becomes our FloodWaitError with Telegram's seconds", async () => {
    const flood = new errors.FloodWaitError({
      request: new Api.contacts.ResolveUsername({ username: 'x' }),
      capture: 42,
    });
    const source = new GramJsChannelSource(stub(() => flood).invoker);
    const err = await source.resolve('marketfeed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloodWaitError);
    expect((err as FloodWaitError).seconds).toBe(42);
  });

  it('an unknown username or a user instead of a channel is TELEGRAM_CHANNEL_UNAVAILABLE', async () => {
    const notOccupied = new errors.BadRequestError('USERNAME_NOT_OCCUPIED', new Api.contacts.ResolveUsername({}), 400);
    notOccupied.errorMessage = 'USERNAME_NOT_OCCUPIED';
    const err = await new GramJsChannelSource(stub(() => notOccupied).invoker).resolve('nobody').catch((e) => e);
    expect(err).toBeInstanceOf(ChannelSourceError);
    expect(err).toMatchObject({ code: 'TELEGRAM_CHANNEL_UNAVAILABLE' });
    const user = new Api.contacts.ResolvedPeer({
      peer: new Api.PeerUser({ userId: returnBigInt(5) }),
      chats: [],
      users: [new Api.User({ id: returnBigInt(5), firstName: 'Ada' })],
    });
    await expect(new GramJsChannelSource(stub(() => user).invoker).resolve('ada')).rejects.toMatchObject({
      code: 'TELEGRAM_CHANNEL_UNAVAILABLE',
    });
  });
});
