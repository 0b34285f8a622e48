// Realistic rows for the legacy database fixture (see schema-sql.ts). `__END__` is replaced by the fixture's
// end time (a 5-minute boundary shortly before "now"); every series ends there. Ids look like cuids.
// What the history holds, and what the tests rely on, is described next to each block.

/** Every tier, both roles, every status (ids are stable so tests can name them). */
export const LEGACY_USERS = [
  { id: 'cm1legacyfreeactive0000001', email: 'free.trader@example.com', tier: 'free', role: 'USER', status: 'ACTIVE' },
  { id: 'cm1legacyproactive00000002', email: 'pro.trader@example.com', tier: 'pro', role: 'USER', status: 'ACTIVE' },
  {
    id: 'cm1legacyeliteactive000003',
    email: 'elite.trader@example.com',
    tier: 'elite',
    role: 'USER',
    status: 'ACTIVE',
  },
  { id: 'cm1legacyadminelite0000004', email: 'admin@volspike.example', tier: 'elite', role: 'ADMIN', status: 'ACTIVE' },
  { id: 'cm1legacyprosuspended00005', email: 'suspended@example.com', tier: 'pro', role: 'USER', status: 'SUSPENDED' },
  { id: 'cm1legacyfreebanned0000006', email: 'banned@example.com', tier: 'free', role: 'USER', status: 'BANNED' },
  {
    id: 'cm1legacyadminfree00000007',
    email: 'support@volspike.example',
    tier: 'free',
    role: 'ADMIN',
    status: 'ACTIVE',
  },
  { id: 'cm1legacywalletonly0000008', email: '0xabc123@wallet.volspike', tier: 'pro', role: 'USER', status: 'ACTIVE' },
] as const;

/** 50 symbols of the USDT-M universe. */
export const LEGACY_SYMBOLS = [
  'BTC',
  'ETH',
  'SOL',
  'BNB',
  'XRP',
  'DOGE',
  'ADA',
  'AVAX',
  'LINK',
  'DOT',
  'TRX',
  'MATIC',
  'LTC',
  'BCH',
  'NEAR',
  'UNI',
  'ATOM',
  'APT',
  'ARB',
  'OP',
  'FIL',
  'ETC',
  'INJ',
  'SUI',
  'SEI',
  'TIA',
  'WIF',
  '1000PEPE',
  '1000SHIB',
  'ORDI',
  'AAVE',
  'MKR',
  'LDO',
  'RUNE',
  'FTM',
  'GALA',
  'SAND',
  'MANA',
  'APE',
  'DYDX',
  'CRV',
  'JUP',
  'PYTH',
  'STX',
  'IMX',
  'RNDR',
  'FET',
  'WLD',
  'ENA',
  'TON',
].map((b) => `${b}USDT`);

const USERS_VALUES = LEGACY_USERS.map(
  (u, i) =>
    `('${u.id}', '${u.email}', ${i === 7 ? `'0xabc123'` : 'NULL'}, '${u.tier}', ${u.tier === 'free' ? 900 : 300}, ` +
    `'${i % 2 ? 'dark' : 'light'}', ${u.tier === 'free' ? 'NULL' : `'cus_legacy${i}'`}, __END__ - interval '${90 - i} days', ` +
    `__END__ - interval '${i} hours', ${i === 5 ? 'NULL' : `__END__ - interval '${89 - i} days'`}, NULL, ${i % 3}, ` +
    `'203.0.113.${i + 10}', __END__ - interval '${i * 3} hours', NULL, 0, ${i === 5 ? `'chargeback abuse'` : 'NULL'}, ` +
    `'$2b$12$legacyhash${i}', '${u.role}', '${u.status}', ${i === 3}, ${i === 3 ? `'JBSWY3DPEHPK3PXP'` : 'NULL'}, ` +
    `'Mozilla/5.0 (legacy ${i})', ${i === 2 ? `__END__ - interval '10 days'` : 'NULL'})`,
).join(',\n  ');

export const LEGACY_USERS_SQL = `
INSERT INTO "users" ("id", "email", "walletAddress", "tier", "refreshInterval", "theme", "stripeCustomerId", "createdAt",
  "updatedAt", "emailVerified", "lastVerificationSent", "verificationAttempts", "ipAddress", "lastLoginAt", "lockedUntil",
  "loginAttempts", "notes", "passwordHash", "role", "status", "twoFactorEnabled", "twoFactorSecret", "userAgent",
  "passwordChangedAt") VALUES
  ${USERS_VALUES};

-- The sign-in library's sessions and the device sessions that the legacy backend's signed tokens refer to.
INSERT INTO "sessions" ("id", "sessionToken", "userId", "expires")
SELECT 'cm2sess' || lpad(g::text, 19, '0'), md5('session-token-' || g), u.id, __END__ + (g || ' days')::interval
FROM generate_series(1, 6) g JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "users") u ON u.n = g;

INSERT INTO "user_sessions" ("id", "userId", "deviceId", "deviceName", "ipAddress", "userAgent", "tier", "isActive",
  "invalidatedAt", "invalidatedBy", "lastActivityAt", "expiresAt", "createdAt")
SELECT 'cm2usess' || lpad(g::text, 18, '0'), u.id, 'device-' || g, CASE WHEN g % 2 = 0 THEN 'MacBook' END,
  '198.51.100.' || g, 'Mozilla/5.0', u.tier, g % 4 <> 0, CASE WHEN g % 4 = 0 THEN __END__ - interval '1 day' END,
  CASE WHEN g % 4 = 0 THEN 'NEW_DEVICE_LOGIN' END, __END__ - (g || ' minutes')::interval, __END__ + interval '30 days',
  __END__ - (g || ' days')::interval
FROM generate_series(1, 8) g JOIN (SELECT id, tier, row_number() OVER (ORDER BY id) AS n FROM "users") u ON u.n = g;
`;

export const LEGACY_MARKET_SQL = `
CREATE TEMP TABLE fixture_symbols AS
SELECT s.symbol, s.n, (10 + s.n * 37.5) * 1000 AS oi_base, 100000.0 / (s.n * s.n) AS price_base
FROM unnest(ARRAY[__SYMBOLS__]) WITH ORDINALITY AS s(symbol, n);

-- Two days of 5-minute snapshots for 50 symbols: the first 6 hours from the older script (snapshot_legacy),
-- 0.0 mark price and USD where the legacy script did not know them (one symbol, every 7th sample).
INSERT INTO "open_interest_snapshots" ("id", "symbol", "ts", "openInterest", "openInterestUsd", "markPrice", "source", "createdAt")
SELECT 'cm3snap' || md5(s.symbol || t::text)::varchar(19), s.symbol, t,
  round((s.oi_base * (1 + 0.05 * sin(extract(epoch FROM t) / 6000 + s.n)))::numeric, 8),
  CASE WHEN s.n = 28 AND extract(minute FROM t)::int % 35 = 0 THEN 0.0
       ELSE round((s.oi_base * (1 + 0.05 * sin(extract(epoch FROM t) / 6000 + s.n)) * s.price_base)::numeric, 2) END,
  CASE WHEN s.n = 28 AND extract(minute FROM t)::int % 35 = 0 THEN 0.0 ELSE round(s.price_base::numeric, 8) END,
  CASE WHEN t < __END__ - interval '42 hours' THEN 'snapshot_legacy' ELSE 'snapshot' END,
  t + interval '2.5 seconds'
FROM fixture_symbols s, generate_series(__END__ - interval '2 days', __END__, interval '5 minutes') t;

-- Realtime samples the legacy OI poller sent during the last hour (3 symbols, every 30 s).
INSERT INTO "open_interest_snapshots" ("id", "symbol", "ts", "openInterest", "openInterestUsd", "markPrice", "source", "createdAt")
SELECT 'cm3real' || md5(s.symbol || t::text)::varchar(19), s.symbol, t, round((s.oi_base * 1.01)::numeric, 8),
  round((s.oi_base * 1.01 * s.price_base)::numeric, 2), round(s.price_base::numeric, 8), 'realtime', t + interval '1 second'
FROM fixture_symbols s, generate_series(__END__ - interval '1 hour' + interval '15 seconds', __END__, interval '30 seconds') t
WHERE s.n <= 3;

-- Retried POSTs: 5 exact copies (new id, later createdAt) and 2 retries whose value differs.
INSERT INTO "open_interest_snapshots" ("id", "symbol", "ts", "openInterest", "openInterestUsd", "markPrice", "source", "createdAt")
SELECT 'cm3dupx' || lpad(k::text, 19, '0'), o."symbol", o."ts", o."openInterest", o."openInterestUsd", o."markPrice",
  o."source", o."createdAt" + interval '30 seconds'
FROM generate_series(1, 5) k JOIN "open_interest_snapshots" o
  ON o."symbol" = (SELECT symbol FROM fixture_symbols WHERE n = k * 7) AND o."ts" = __END__ - (k * 3 || ' hours')::interval
  AND o."source" = 'snapshot';
INSERT INTO "open_interest_snapshots" ("id", "symbol", "ts", "openInterest", "openInterestUsd", "markPrice", "source", "createdAt")
SELECT 'cm3dupd' || lpad(k::text, 19, '0'), o."symbol", o."ts", o."openInterest" + 1.5, o."openInterestUsd", o."markPrice",
  o."source", o."createdAt" + interval '61 seconds'
FROM generate_series(1, 2) k JOIN "open_interest_snapshots" o
  ON o."symbol" = (SELECT symbol FROM fixture_symbols WHERE n = k + 1) AND o."ts" = __END__ - (k * 5 || ' hours')::interval
  AND o."source" = 'snapshot';

INSERT INTO "open_interest_liquid_symbols" ("symbol", "quoteVolume24h", "enteredAt", "lastSeenAt")
SELECT symbol, round((5e9 / n)::numeric, 2), __END__ - (n || ' days')::interval, __END__ - interval '2 minutes'
FROM fixture_symbols;

-- A week of volume alerts: three an hour (spike, then its half and full updates); the legacy script sent 0.0
-- as the funding rate when the funding API was down (every 10th).
INSERT INTO "volume_alerts" ("id", "symbol", "asset", "currentVolume", "previousVolume", "volumeRatio", "price",
  "fundingRate", "alertType", "message", "timestamp", "hourTimestamp", "isUpdate", "candleDirection", "detectionTime",
  "oiChange", "priceChange")
SELECT 'cm4vol' || md5(h::text || k)::varchar(20), s.symbol, replace(s.symbol, 'USDT', ''),
  1e6 * (3 + k), 1e6, 3 + k, s.price_base, CASE WHEN extract(hour FROM h)::int % 10 = 0 THEN 0.0 ELSE 0.0001 * k END,
  (ARRAY['SPIKE', 'HALF_UPDATE', 'FULL_UPDATE'])[k + 1]::"AlertType",
  replace(s.symbol, 'USDT', '') || ' volume ' || (3 + k) || 'x', h + (k * 20 + 2 || ' minutes')::interval, h, k > 0,
  CASE WHEN k % 2 = 0 THEN 'bullish' ELSE 'bearish' END,
  CASE WHEN k = 0 THEN h + interval '1 minute 30 seconds' END, CASE WHEN k = 1 THEN NULL ELSE 1.5 * k END, 0.8 - k
FROM generate_series(date_trunc('hour', __END__) - interval '7 days', date_trunc('hour', __END__) - interval '1 hour',
  interval '1 hour') h
CROSS JOIN generate_series(0, 2) k
JOIN fixture_symbols s ON s.n = 1 + (extract(epoch FROM h)::bigint / 3600) % 50;

-- Two days of OI alerts, one every 30 minutes, with 2 exact duplicate rows and one differing retry.
INSERT INTO "open_interest_alerts" ("id", "symbol", "direction", "baseline", "current", "pctChange", "absChange",
  "priceChange", "fundingRate", "timeframe", "source", "ts", "createdAt")
SELECT 'cm5oia' || md5(t::text)::varchar(20), s.symbol, CASE WHEN i % 2 = 0 THEN 'UP' ELSE 'DOWN' END,
  s.oi_base, s.oi_base * 1.031234, 0.031234 * CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END, s.oi_base * 0.031234,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 0.004321 END, CASE WHEN i % 4 = 0 THEN NULL ELSE 0.000100 END,
  (ARRAY['5 min', '15 min', '1 hour'])[1 + i % 3], 'oi_realtime_poller', t, t + interval '1 second'
FROM (SELECT t, row_number() OVER (ORDER BY t) AS i
      FROM generate_series(__END__ - interval '2 days', __END__ - interval '30 minutes', interval '30 minutes') t) a
JOIN fixture_symbols s ON s.n = 1 + a.i % 50;
INSERT INTO "open_interest_alerts" ("id", "symbol", "direction", "baseline", "current", "pctChange", "absChange",
  "priceChange", "fundingRate", "timeframe", "source", "ts", "createdAt")
SELECT 'cm5dup' || lpad(k::text, 20, '0'), a."symbol", a."direction", a."baseline",
  a."current" + CASE WHEN k = 3 THEN 10 ELSE 0 END, a."pctChange", a."absChange", a."priceChange", a."fundingRate",
  a."timeframe", a."source", a."ts", a."createdAt" + interval '5 seconds'
FROM generate_series(1, 3) k JOIN "open_interest_alerts" a ON a."ts" = __END__ - (k * 2 || ' hours')::interval;
`;

export const LEGACY_USER_DATA_SQL = `
INSERT INTO "user_cross_alerts" ("id", "userId", "symbol", "alertType", "threshold", "lastCheckedValue", "lastCheckedAt",
  "deliveryMethod", "isActive", "triggeredCount", "triggeredAt", "triggeredValue", "createdAt", "updatedAt")
SELECT 'cm6cross' || lpad(g::text, 18, '0'), u.id, (ARRAY['BTCUSDT', 'ETHUSDT', 'SOLUSDT'])[1 + g % 3],
  (ARRAY['PRICE_CROSS', 'FUNDING_CROSS', 'OI_CROSS'])[1 + g % 3]::"CrossAlertType",
  (ARRAY[100000, 0.0005, 85000])[1 + g % 3], CASE WHEN g % 2 = 0 THEN 99000 END,
  CASE WHEN g % 2 = 0 THEN __END__ - interval '1 minute' END,
  (ARRAY['DASHBOARD', 'EMAIL', 'BOTH'])[1 + g % 3]::"AlertDeliveryMethod", g % 5 <> 0, CASE WHEN g % 5 = 0 THEN 2 ELSE 0 END,
  CASE WHEN g % 5 = 0 THEN __END__ - interval '3 hours' END, CASE WHEN g % 5 = 0 THEN 100100 END,
  __END__ - (g || ' days')::interval, __END__ - (g || ' hours')::interval
FROM generate_series(1, 10) g
JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "users" WHERE status = 'ACTIVE') u ON u.n = 1 + g % 5;

INSERT INTO "alert_subscriptions" ("id", "userId", "symbol", "createdAt")
SELECT 'cm6sub' || lpad(g::text, 20, '0'), u.id, (ARRAY['BTCUSDT', 'ETHUSDT', 'SOLUSDT'])[1 + g % 3],
  __END__ - (g || ' days')::interval
FROM generate_series(1, 6) g
JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "users" WHERE tier <> 'free') u ON u.n = 1 + g / 3;

INSERT INTO "telegram_channels" ("id", "channelId", "username", "title", "category", "enabled", "lastFetchAt",
  "errorCount", "lastError", "createdAt", "updatedAt") VALUES
  ('cm7chan00000000000000000001', -1001234567890, 'whale_alerts', 'Whale Alerts', 'whales', true, __END__ - interval '1 minute', 0, NULL, __END__ - interval '60 days', __END__ - interval '1 minute'),
  ('cm7chan00000000000000000002', -1009876543210, 'crypto_news', 'Crypto News', 'news', true, __END__ - interval '2 minutes', 0, NULL, __END__ - interval '50 days', __END__ - interval '2 minutes'),
  ('cm7chan00000000000000000003', -1005555555555, 'old_signals', 'Old Signals', 'general', false, __END__ - interval '20 days', 7, 'CHANNEL_PRIVATE', __END__ - interval '40 days', __END__ - interval '20 days');

INSERT INTO "telegram_messages" ("id", "channelId", "messageId", "text", "date", "senderName", "views", "forwards",
  "hasMedia", "mediaType", "links", "createdAt")
SELECT 'cm7msg' || lpad((c * 100 + g)::text, 20, '0'), 'cm7chan' || lpad(c::text, 20, '0'), 5000 + g,
  CASE WHEN g % 9 = 0 THEN NULL ELSE 'Message ' || g || ' of channel ' || c END,
  __END__ - ((20 - g) * 2 || ' hours')::interval - (c || ' minutes')::interval, CASE WHEN g % 2 = 0 THEN 'Admin' END,
  100 * g, CASE WHEN g % 3 = 0 THEN g END, g % 9 = 0, CASE WHEN g % 9 = 0 THEN 'photo' END,
  CASE WHEN g % 4 = 0 THEN ARRAY['https://example.com/a/' || g, 'https://t.me/x/' || g] ELSE '{}' END,
  __END__ - ((20 - g) * 2 || ' hours')::interval + interval '3 seconds'
FROM generate_series(1, 3) c, generate_series(1, 20) g;
`;

/** Rows in the tables outside this project, chained by their foreign keys (several ON DELETE RESTRICT to users). */
export const LEGACY_OUTSIDE_DATA_SQL = `
INSERT INTO "accounts" ("id", "userId", "type", "provider", "providerAccountId", "access_token", "expires_at", "token_type", "scope")
SELECT 'cm8acc' || n, id, 'oauth', 'google', 'google-' || n, 'ya29.token' || n, 1893456000, 'Bearer', 'openid email'
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "users") u WHERE n <= 4;
INSERT INTO "verification_tokens" ("identifier", "token", "expires") VALUES
  ('free.trader@example.com', 'verify-token-1', __END__ + interval '1 day'),
  ('pro.trader@example.com', 'verify-token-2', __END__ - interval '1 day');
INSERT INTO "wallet_accounts" ("id", "userId", "address", "chainId", "caip10", "lastLogin", "updatedAt")
SELECT 'cm8wal' || n, id, '0xabc12' || n, '1', 'eip155:1:0xabc12' || n, __END__ - interval '1 day', __END__
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "users") u WHERE n <= 3;
INSERT INTO "preferences" ("id", "userId", "emailAlerts", "volumeThreshold", "theme")
SELECT 'cm8pref' || n, id, n % 2 = 0, 2.5 + n, CASE WHEN n % 2 = 0 THEN 'light' ELSE 'dark' END
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "users") u;
INSERT INTO "assets" ("id", "baseSymbol", "binanceSymbol", "coingeckoId", "displayName", "logoUrl", "updatedAt") VALUES
  ('cm8asset1', 'BTC', 'BTCUSDT', 'bitcoin', 'Bitcoin', 'https://cdn.example/btc.png', __END__),
  ('cm8asset2', 'ETH', 'ETHUSDT', 'ethereum', 'Ethereum', NULL, __END__);
INSERT INTO "contracts" ("id", "symbol", "updatedAt") VALUES ('cm8con1', 'BTCUSDT', __END__), ('cm8con2', 'ETHUSDT', __END__);
INSERT INTO "market_snapshots" ("id", "contractId", "price", "volume24h", "fundingRate", "openInterest", "timestamp")
SELECT 'cm8ms' || g, CASE WHEN g % 2 = 0 THEN 'cm8con1' ELSE 'cm8con2' END, 95000 + g, 1e9 + g, 0.0001, NULL,
  __END__ - (g || ' minutes')::interval FROM generate_series(1, 12) g;
INSERT INTO "alerts" ("id", "contractId", "userId", "reason", "threshold", "actualValue", "severity", "delivered")
VALUES ('cm8al1', 'cm8con1', 'cm1legacyproactive00000002', 'volume_spike', 3, 4.2, 'high', true),
       ('cm8al2', 'cm8con2', NULL, 'funding', 0.001, 0.0012, 'low', false);
INSERT INTO "watchlists" ("id", "userId", "name", "updatedAt")
VALUES ('cm8wl1', 'cm1legacyproactive00000002', 'Majors', __END__), ('cm8wl2', 'cm1legacyeliteactive000003', 'Memes', __END__);
INSERT INTO "watchlist_items" ("id", "watchlistId", "contractId")
VALUES ('cm8wi1', 'cm8wl1', 'cm8con1'), ('cm8wi2', 'cm8wl1', 'cm8con2'), ('cm8wi3', 'cm8wl2', 'cm8con2');
INSERT INTO "audit_logs" ("id", "actorUserId", "action", "targetType", "targetId", "oldValues", "newValues", "metadata")
VALUES ('cm8au1', 'cm1legacyadminelite0000004', 'USER_SUSPENDED', 'USER', 'cm1legacyprosuspended00005',
        '{"status": "ACTIVE"}', '{"status": "SUSPENDED"}', '{"ip": "203.0.113.9"}'),
       ('cm8au2', 'cm1legacyadminelite0000004', 'TIER_CHANGED', 'USER', 'cm1legacyeliteactive000003', NULL, '{"tier": "elite"}', NULL);
INSERT INTO "admin_sessions" ("id", "userId", "token", "ipAddress", "userAgent", "expiresAt")
VALUES ('cm8as1', 'cm1legacyadminelite0000004', 'admin-session-token-1', '203.0.113.9', 'Mozilla/5.0', __END__ + interval '8 hours');
INSERT INTO "admin_wallets" ("id", "address", "currency", "network", "label", "balance", "createdById", "updatedAt")
VALUES ('cm8aw1', 'TQx9legacy', 'USDT', 'TRC20', 'main', 1234.567890123456789012, 'cm1legacyadminelite0000004', __END__);
INSERT INTO "admin_notifications" ("id", "type", "userId", "title", "message", "metadata", "isRead")
VALUES ('cm8an1', 'USER_SIGNUP', 'cm1legacyfreeactive0000001', 'New user', 'free.trader signed up', '{"tier": "free"}', true),
       ('cm8an2', 'PAYMENT', 'cm1legacyproactive00000002', 'Payment', 'pro upgrade paid', NULL, false);
INSERT INTO "promo_codes" ("id", "code", "discountType", "discountPercent", "maxUses", "currentUses", "validUntil", "createdById", "updatedAt")
VALUES ('cm8pc1', 'LAUNCH50', 'PERCENT', 50, 100, 1, __END__ + interval '30 days', 'cm1legacyadminelite0000004', __END__);
INSERT INTO "crypto_payments" ("id", "userId", "paymentId", "paymentStatus", "payAmount", "payCurrency", "actuallyPaid",
  "priceAmount", "tier", "invoiceId", "promoCodeId", "paidAt", "expiresAt", "updatedAt")
VALUES ('cm8cp1', 'cm1legacyproactive00000002', 'np-100001', 'CONFIRMED', 9.5, 'usdttrc20', 9.5, 19, 'pro', 'inv-1', 'cm8pc1',
        __END__ - interval '20 days', __END__ + interval '10 days', __END__),
       ('cm8cp2', 'cm1legacyfreebanned0000006', 'np-100002', 'FAILED', 49, 'btc', NULL, 49, 'elite', 'inv-2', NULL, NULL, NULL, __END__);
INSERT INTO "promo_code_usages" ("id", "promoCodeId", "userId", "paymentId", "discountAmount", "originalAmount", "finalAmount")
VALUES ('cm8pu1', 'cm8pc1', 'cm1legacyproactive00000002', 'cm8cp1', 9.5, 19, 9.5);
INSERT INTO "rss_feeds" ("id", "name", "url", "updatedAt")
VALUES ('cm8rf1', 'CoinDesk', 'https://www.coindesk.com/arc/outboundfeeds/rss/', __END__);
INSERT INTO "rss_articles" ("id", "feedId", "title", "link", "summary", "publishedAt", "tags")
SELECT 'cm8ra' || g, 'cm8rf1', 'Headline ' || g, 'https://www.coindesk.com/a/' || g, CASE WHEN g % 2 = 0 THEN 'Summary' END,
  __END__ - (g || ' hours')::interval, CASE WHEN g % 3 = 0 THEN ARRAY['btc', 'etf'] ELSE '{}' END
FROM generate_series(1, 5) g;
INSERT INTO "social_media_posts" ("id", "platform", "alertId", "alertType", "content", "status", "postedAt", "externalId", "createdById", "updatedAt")
VALUES ('cm8sp1', 'TWITTER', NULL, 'VOLUME', 'BTC volume spike 4.2x', 'POSTED', __END__ - interval '1 hour', '1790000000000', 'cm1legacyadminelite0000004', __END__);
INSERT INTO "academy_learning_paths" ("id", "slug", "title", "isPublished", "updatedAt")
VALUES ('cm8lp1', 'basics', 'Trading basics', true, __END__);
INSERT INTO "academy_modules" ("id", "pathId", "slug", "title", "updatedAt") VALUES ('cm8mo1', 'cm8lp1', 'volume', 'Volume', __END__);
INSERT INTO "academy_lessons" ("id", "moduleId", "slug", "title", "content", "readingTime", "updatedAt")
VALUES ('cm8le1', 'cm8mo1', 'what-is-volume', 'What is volume', '# Volume\nText', 5, __END__),
       ('cm8le2', 'cm8mo1', 'spikes', 'Spikes', '# Spikes', NULL, __END__);
INSERT INTO "academy_images" ("id", "lessonId", "url", "alt", "data")
VALUES ('cm8im1', 'cm8le1', '/img/volume.png', 'chart', '\\x89504e470d0a1a0a'::bytea);
INSERT INTO "academy_quiz_questions" ("id", "lessonId", "question", "options", "correctIndex", "explanation")
VALUES ('cm8qq1', 'cm8le1', 'What is volume?', '["a", "b", "c"]', 1, NULL);
INSERT INTO "academy_progress" ("id", "userId", "lessonId", "completed", "quizScore", "completedAt", "updatedAt")
VALUES ('cm8ap1', 'cm1legacyfreeactive0000001', 'cm8le1', true, 80, __END__ - interval '3 days', __END__),
       ('cm8ap2', 'cm1legacyproactive00000002', 'cm8le2', false, NULL, NULL, __END__);
`;
