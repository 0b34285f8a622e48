import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import { describe, expect, it } from 'vitest';
import { mapGramJsMessage, senderLookup } from './gramjs-mapping.js';

// The library's own message objects, as GramJS hands them out of messages.GetHistory.
const channelId = returnBigInt('1234567890');
const peer = new Api.PeerChannel({ channelId });
const lookup = senderLookup([], [], 'Market Feed');
const DATE = 1_767_225_600; // 2026-01-01T00:00:00Z

const message = (over: Partial<ConstructorParameters<typeof Api.Message>[0]> = {}): Api.Message =>
  new Api.Message({ id: 42, peerId: peer, date: DATE, message: '', post: true, ...over });
const doc = (attributes: Api.TypeDocumentAttribute[]): Api.MessageMediaDocument =>
  new Api.MessageMediaDocument({
    document: new Api.Document({
      id: returnBigInt(1),
      accessHash: returnBigInt(2),
      fileReference: Buffer.alloc(0),
      date: DATE,
      mimeType: 'application/octet-stream',
      size: returnBigInt(10),
      dcId: 2,
      attributes,
    }),
  });

describe('mapGramJsMessage (GramJS Api.Message → ingest message)', () => {
  it('slices URL entities by UTF-16 offsets (emoji before the link), adds text-link URLs, keeps views/forwards', () => {
    const text = '🚀🔥 BTC breaks out: https://example.com/a?b=1 — more at 👉 the desk';
    const url = 'https://example.com/a?b=1';
    const offset = text.indexOf(url); // UTF-16 code units, as Telegram counts them
    expect(offset).toBe(21);
    expect([...text.slice(0, offset)].length).toBe(19); // a code-point slicer (the legacy defect) is 2 off
    const m = message({
      message: text,
      entities: [
        new Api.MessageEntityBold({ offset: 0, length: 4 }),
        new Api.MessageEntityUrl({ offset, length: url.length }),
        new Api.MessageEntityTextUrl({ offset: text.indexOf('👉'), length: 2, url: 'https://t.me/marketfeed' }),
      ],
      views: 15321,
      forwards: 12,
    });
    expect(mapGramJsMessage(m, lookup)).toEqual({
      id: 42,
      text,
      date: '2026-01-01T00:00:00.000Z',
      sender_name: 'Market Feed',
      views: 15321,
      forwards: 12,
      has_media: false,
      media_type: null,
      links: ['https://t.me/marketfeed', url],
    });
  });

  it('a link preview comes first and is not media; a repeated URL is listed once', () => {
    const text = 'Report https://x.io/r';
    const m = message({
      message: text,
      entities: [new Api.MessageEntityUrl({ offset: 7, length: 14 })],
      media: new Api.MessageMediaWebPage({
        webpage: new Api.WebPage({
          id: returnBigInt(9),
          url: 'https://x.io/r',
          displayUrl: 'x.io/r',
          hash: 0,
          attributes: [],
        }),
      }),
    });
    expect(mapGramJsMessage(m, lookup)).toMatchObject({
      has_media: false,
      media_type: null,
      links: ['https://x.io/r'],
    });
  });

  it('a captioned photo: text is the caption, media_type photo; missing counters are null, not 0', () => {
    const m = message({ message: 'chart 📈', media: new Api.MessageMediaPhoto({}) });
    expect(mapGramJsMessage(m, lookup)).toMatchObject({
      text: 'chart 📈',
      has_media: true,
      media_type: 'photo',
      views: null,
      forwards: null,
      links: [],
    });
    expect(mapGramJsMessage(message({ media: new Api.MessageMediaPhoto({}) }), lookup)).toMatchObject({
      text: null,
      has_media: true,
    });
  });

  it.each([
    ['video', [new Api.DocumentAttributeVideo({ duration: 3, w: 1, h: 1 })]],
    ['animation', [new Api.DocumentAttributeAnimated(), new Api.DocumentAttributeVideo({ duration: 3, w: 1, h: 1 })]],
    ['sticker', [new Api.DocumentAttributeSticker({ alt: '🙂', stickerset: new Api.InputStickerSetEmpty() })]],
    ['voice', [new Api.DocumentAttributeAudio({ duration: 3, voice: true })]],
    ['audio', [new Api.DocumentAttributeAudio({ duration: 3 })]],
    ['document', [new Api.DocumentAttributeFilename({ fileName: 'report.pdf' })]],
    [null, [new Api.DocumentAttributeVideo({ duration: 3, w: 1, h: 1, roundMessage: true })]],
  ] as const)('document media → media_type %s', (kind, attributes) => {
    expect(mapGramJsMessage(message({ media: doc([...attributes]) }), lookup)).toMatchObject({
      has_media: true,
      media_type: kind,
    });
  });

  it('sender: first + last name of a user, the title of a sender chat, else the channel', () => {
    const user = new Api.User({ id: returnBigInt(77), firstName: 'Ada', lastName: 'Lovelace' });
    const other = new Api.Channel({
      id: returnBigInt(88),
      title: 'Desk',
      photo: new Api.ChatPhotoEmpty(),
      date: DATE,
    });
    const l = senderLookup([user], [other], 'Market Feed');
    const fromUser = message({ message: 'x', fromId: new Api.PeerUser({ userId: returnBigInt(77) }) });
    const fromChat = message({ message: 'x', fromId: new Api.PeerChannel({ channelId: returnBigInt(88) }) });
    expect(mapGramJsMessage(fromUser, l)!.sender_name).toBe('Ada Lovelace');
    expect(mapGramJsMessage(fromChat, l)!.sender_name).toBe('Desk');
    expect(mapGramJsMessage(message({ message: 'x' }), l)!.sender_name).toBe('Market Feed');
  });

  it('service, empty and content-less messages are not posted', () => {
    const service = new Api.MessageService({
      id: 43,
      peerId: peer,
      date: DATE,
      action: new Api.MessageActionChannelCreate({ title: 'Market Feed' }),
    });
    expect(mapGramJsMessage(service, lookup)).toBeNull();
    expect(mapGramJsMessage(new Api.MessageEmpty({ id: 44 }), lookup)).toBeNull();
    expect(mapGramJsMessage(message({ message: '' }), lookup)).toBeNull();
  });

  it('date is the UTC instant whatever the host time zone', () => {
    expect(mapGramJsMessage(message({ message: 'x', date: DATE + 3661 }), lookup)!.date).toBe(
      '2026-01-01T01:01:01.000Z',
    );
  });
});
