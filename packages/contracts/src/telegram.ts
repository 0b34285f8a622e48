import { z } from 'zod';
import { MAX_TELEGRAM_MESSAGES, dateString } from './common.js';

/** Telegram chat id: a JSON integer (negative for channels) or a string of digits (bigint-safe). */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MESSAGE = 'must be an integer that fits a signed 64-bit integer (a Telegram chat id)';

/** A Telegram chat id (stored as BIGINT): a safe JSON integer, or a decimal string within the signed 64-bit range. */
const chatId = z.union([
  z.number().int({ message: 'must be an integer' }).refine(Number.isSafeInteger, { message: INT64_MESSAGE }),
  z
    .string()
    .regex(/^-?\d{1,20}$/, { message: 'must be an integer' })
    .refine((s) => BigInt(s) >= INT64_MIN && BigInt(s) <= INT64_MAX, { message: INT64_MESSAGE }),
]);

/** One message as the legacy poller sends it: nullable keys must be present (docs/legacy-contracts.md §1.7). */
export const TelegramMessageInputSchema = z.object({
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  text: z.string().nullable(),
  date: dateString(),
  sender_name: z.string().nullable(),
  views: z.number().int().min(0).max(2_147_483_647).nullable(),
  forwards: z.number().int().min(0).max(2_147_483_647).nullable(),
  has_media: z.boolean().default(false),
  media_type: z.string().nullable(),
  links: z.array(z.string()).default([]),
});
export type TelegramMessageInput = z.input<typeof TelegramMessageInputSchema>;

export const TelegramIngestSchema = z
  .object({
    channel: z.object({
      id: chatId,
      username: z
        .string()
        .min(1)
        .transform((u) => u.replace(/^@/, '')),
      title: z.string(),
      category: z.string().optional(),
    }),
    messages: z
      .array(TelegramMessageInputSchema)
      .max(MAX_TELEGRAM_MESSAGES, { message: `must contain at most ${MAX_TELEGRAM_MESSAGES} items` }),
  })
  .meta({ id: 'TelegramIngest' });
export type TelegramIngest = z.input<typeof TelegramIngestSchema>;

export const TelegramIngestResponseSchema = z.object({
  success: z.literal(true),
  inserted: z.number().int(),
  duplicates: z.number().int(),
  errors: z.number().int(),
  removed: z.number().int(),
});

export const TelegramMessagesQuerySchema = z.object({ limit: z.string().optional() });
export const TelegramMessageOutSchema = z.object({
  id: z.string(),
  text: z.string().nullable(),
  date: z.string(),
  category: z.string(),
  channelUsername: z.string(),
  links: z.array(z.string()),
});
export const TelegramMessagesResponseSchema = z.object({
  messages: z.array(TelegramMessageOutSchema),
  count: z.number().int(),
});
export const TelegramHealthResponseSchema = z.object({ status: z.literal('healthy'), timestamp: z.string() });
