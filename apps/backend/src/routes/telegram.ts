import { Router, type Request, type Response } from 'express';
import { TelegramIngestSchema } from '@volspike/contracts';
import type { AppContext } from '../context.js';
import { parseOr400 } from '../http/errors.js';
import { runIngest, type Tx } from '../http/idempotency.js';
import { requireIngestKey } from '../http/ingest-key.js';

/** Newest messages kept per channel. */
export const MESSAGES_PER_CHANNEL = 1000;

interface ChannelInput {
  channelId: bigint;
  username: string;
  title: string;
  category: string | undefined;
}

/**
 * Finds the channel by Telegram id, else by username (a channel whose id changed keeps its row and messages),
 * and brings its fields up to date. A different row still holding the username is renamed out of the way.
 */
async function upsertChannel(tx: Tx, c: ChannelInput, now: Date): Promise<string> {
  const byId = await tx.telegramChannel.findUnique({ where: { channelId: c.channelId } });
  const byName = await tx.telegramChannel.findUnique({ where: { username: c.username } });
  const target = byId ?? byName;
  if (byId && byName && byId.id !== byName.id) {
    await tx.telegramChannel.update({
      where: { id: byName.id },
      data: { username: `${byName.username}#${byName.channelId.toString()}` },
    });
  }
  const fields = {
    channelId: c.channelId,
    username: c.username,
    title: c.title,
    ...(c.category !== undefined ? { category: c.category } : {}),
    lastFetchAt: now,
    errorCount: 0,
    lastError: null,
  };
  if (target) {
    await tx.telegramChannel.update({ where: { id: target.id }, data: fields });
    return target.id;
  }
  const created = await tx.telegramChannel.create({ data: fields });
  return created.id;
}

export function telegramRouter(ctx: AppContext): Router {
  const router = Router();

  router.post('/ingest', requireIngestKey(ctx.config.ingestKeys), (req, res) => ingestMessages(ctx, req, res));
  router.get('/health', (req, res) => getHealth(ctx, req, res));
  router.get('/messages', (req, res) => getMessages(ctx, req, res));

  return router;
}

/** POST /api/telegram/ingest */
async function ingestMessages(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma, metrics } = ctx;
  const stop = metrics.ingestDuration.startTimer({ route: 'telegram' });
  const p = parseOr400(TelegramIngestSchema, req.body, 'Invalid message data');
  const now = new Date(ctx.now());
  // One entry per message id (the last copy wins); earlier copies in the same batch count as duplicates.
  const byId = new Map<number, (typeof p.messages)[number]>();
  for (const m of p.messages) byId.set(m.id, m);
  const inBatchDuplicates = p.messages.length - byId.size;
  await runIngest(prisma, req, res, 'POST /api/telegram/ingest', async (tx) => {
    const channelRowId = await upsertChannel(
      tx,
      {
        channelId: BigInt(p.channel.id),
        username: p.channel.username,
        title: p.channel.title,
        category: p.channel.category,
      },
      now,
    );
    const messages = [...byId.values()];
    const existing = await tx.telegramMessage.findMany({
      where: { channelId: channelRowId, messageId: { in: messages.map((m) => BigInt(m.id)) } },
      select: { id: true, messageId: true },
    });
    const existingIds = new Map(existing.map((e) => [e.messageId.toString(), e.id]));
    const fresh = messages.filter((m) => !existingIds.has(String(m.id)));
    const created = await tx.telegramMessage.createMany({
      data: fresh.map((m) => ({
        channelId: channelRowId,
        messageId: BigInt(m.id),
        text: m.text,
        date: new Date(Date.parse(m.date)),
        senderName: m.sender_name,
        views: m.views,
        forwards: m.forwards,
        hasMedia: m.has_media,
        mediaType: m.media_type,
        links: m.links,
      })),
      skipDuplicates: true,
    });
    // Re-sent messages update only what Telegram changes (text edits, counters, links).
    for (const m of messages) {
      const rowId = existingIds.get(String(m.id));
      if (rowId) {
        await tx.telegramMessage.update({
          where: { id: rowId },
          data: { text: m.text, views: m.views, forwards: m.forwards, links: m.links },
        });
      }
    }
    const removed = await tx.$executeRaw`
      DELETE FROM telegram_messages WHERE id IN (
        SELECT id FROM telegram_messages WHERE "channelId" = ${channelRowId}
        ORDER BY date DESC, "messageId" DESC OFFSET ${MESSAGES_PER_CHANNEL})`;
    const inserted = created.count;
    const duplicates = messages.length - inserted + inBatchDuplicates;
    return {
      status: 200,
      body: { success: true, inserted, duplicates, errors: 0, removed },
      after: () => {
        metrics.telegramMessages.inc({ result: 'inserted' }, inserted);
        metrics.telegramMessages.inc({ result: 'duplicate' }, duplicates);
      },
    };
  });
  stop({ status: String(res.statusCode) });
}

/** GET /api/telegram/health */
function getHealth(ctx: AppContext, _req: Request, res: Response): void {
  res.json({ status: 'healthy', timestamp: new Date(ctx.now()).toISOString() });
}

/** GET /api/telegram/messages */
async function getMessages(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const { prisma } = ctx;
  const raw = Number.parseInt(String(req.query.limit ?? ''), 10);
  const limit = Number.isNaN(raw) ? 100 : Math.min(100, Math.max(1, raw));
  const rows = await prisma.telegramMessage.findMany({
    where: { channel: { enabled: true } },
    include: { channel: { select: { username: true, category: true } } },
    orderBy: [{ date: 'desc' }, { messageId: 'desc' }],
    take: limit,
  });
  const messages = rows.map((r) => ({
    id: r.id,
    text: r.text,
    date: r.date.toISOString(),
    category: r.channel.category,
    channelUsername: r.channel.username,
    links: r.links,
  }));
  res.json({ messages, count: messages.length });
}
