// The live VolSpike database as the legacy backend's `prisma db push` creates it (facts: docs/adoption.md):
// Prisma's DDL, names and order. The tables shared with this project are exactly as documented; the tables
// outside this project (accounts, payments, admin, academy, social…) have plausible columns, enums and
// foreign keys to `users` (several ON DELETE RESTRICT), so that tests can prove adoption leaves them alone.
// Test-only (exported through `@volspike/db/testing`).

export const LEGACY_SHARED_TABLES = [
  'users',
  'sessions',
  'user_sessions',
  'volume_alerts',
  'open_interest_snapshots',
  'open_interest_alerts',
  'open_interest_liquid_symbols',
  'user_cross_alerts',
  'alert_subscriptions',
  'telegram_channels',
  'telegram_messages',
] as const;

export const LEGACY_OUTSIDE_TABLES = [
  'academy_images',
  'academy_learning_paths',
  'academy_lessons',
  'academy_modules',
  'academy_progress',
  'academy_quiz_questions',
  'accounts',
  'admin_notifications',
  'admin_sessions',
  'admin_wallets',
  'alerts',
  'assets',
  'audit_logs',
  'contracts',
  'crypto_payments',
  'market_snapshots',
  'preferences',
  'promo_code_usages',
  'promo_codes',
  'rss_articles',
  'rss_feeds',
  'social_media_posts',
  'verification_tokens',
  'wallet_accounts',
  'watchlist_items',
  'watchlists',
] as const;

export const LEGACY_SHARED_DDL = `
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TYPE "UserStatus" AS ENUM ('ACTIVE', 'SUSPENDED', 'BANNED');
CREATE TYPE "AlertType" AS ENUM ('SPIKE', 'HALF_UPDATE', 'FULL_UPDATE');
CREATE TYPE "CrossAlertType" AS ENUM ('PRICE_CROSS', 'FUNDING_CROSS', 'OI_CROSS');
CREATE TYPE "AlertDeliveryMethod" AS ENUM ('DASHBOARD', 'EMAIL', 'BOTH');

CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "walletAddress" TEXT,
    "tier" TEXT NOT NULL DEFAULT 'free',
    "refreshInterval" INTEGER NOT NULL DEFAULT 900,
    "theme" TEXT NOT NULL DEFAULT 'light',
    "stripeCustomerId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "emailVerified" TIMESTAMP(3),
    "lastVerificationSent" TIMESTAMP(3),
    "verificationAttempts" INTEGER NOT NULL DEFAULT 0,
    "ipAddress" TEXT,
    "lastLoginAt" TIMESTAMP(3),
    "lockedUntil" TIMESTAMP(3),
    "loginAttempts" INTEGER NOT NULL DEFAULT 0,
    "notes" TEXT,
    "passwordHash" TEXT,
    "role" "Role" NOT NULL DEFAULT 'USER',
    "status" "UserStatus" NOT NULL DEFAULT 'ACTIVE',
    "twoFactorEnabled" BOOLEAN NOT NULL DEFAULT false,
    "twoFactorSecret" TEXT,
    "userAgent" TEXT,
    "passwordChangedAt" TIMESTAMP(3),

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "user_sessions" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "deviceName" TEXT,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "tier" TEXT NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "invalidatedAt" TIMESTAMP(3),
    "invalidatedBy" TEXT,
    "lastActivityAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_sessions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "volume_alerts" (
    "id" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "asset" TEXT NOT NULL,
    "currentVolume" DOUBLE PRECISION NOT NULL,
    "previousVolume" DOUBLE PRECISION NOT NULL,
    "volumeRatio" DOUBLE PRECISION NOT NULL,
    "price" DOUBLE PRECISION,
    "fundingRate" DOUBLE PRECISION,
    "alertType" "AlertType" NOT NULL DEFAULT 'SPIKE',
    "message" TEXT NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "hourTimestamp" TIMESTAMP(3) NOT NULL,
    "isUpdate" BOOLEAN NOT NULL DEFAULT false,
    "candleDirection" TEXT,
    "detectionTime" TIMESTAMP(3),
    "oiChange" DOUBLE PRECISION,
    "priceChange" DOUBLE PRECISION,

    CONSTRAINT "volume_alerts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "open_interest_snapshots" (
    "id" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "ts" TIMESTAMP(3) NOT NULL,
    "openInterest" DECIMAL(30,8) NOT NULL,
    "openInterestUsd" DECIMAL(30,2),
    "markPrice" DECIMAL(20,8),
    "source" TEXT NOT NULL DEFAULT 'snapshot',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "open_interest_snapshots_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "open_interest_alerts" (
    "id" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "baseline" DECIMAL(30,8) NOT NULL,
    "current" DECIMAL(30,8) NOT NULL,
    "pctChange" DECIMAL(10,6) NOT NULL,
    "absChange" DECIMAL(30,8) NOT NULL,
    "priceChange" DECIMAL(10,6),
    "fundingRate" DECIMAL(10,6),
    "timeframe" TEXT NOT NULL DEFAULT '5 min',
    "source" TEXT NOT NULL,
    "ts" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "open_interest_alerts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "open_interest_liquid_symbols" (
    "symbol" TEXT NOT NULL,
    "quoteVolume24h" DECIMAL(30,2) NOT NULL,
    "enteredAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "open_interest_liquid_symbols_pkey" PRIMARY KEY ("symbol")
);

CREATE TABLE "user_cross_alerts" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "alertType" "CrossAlertType" NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "lastCheckedValue" DOUBLE PRECISION,
    "lastCheckedAt" TIMESTAMP(3),
    "deliveryMethod" "AlertDeliveryMethod" NOT NULL DEFAULT 'DASHBOARD',
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "triggeredCount" INTEGER NOT NULL DEFAULT 0,
    "triggeredAt" TIMESTAMP(3),
    "triggeredValue" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "user_cross_alerts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "alert_subscriptions" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_subscriptions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "telegram_channels" (
    "id" TEXT NOT NULL,
    "channelId" BIGINT NOT NULL,
    "username" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "category" TEXT NOT NULL DEFAULT 'general',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lastFetchAt" TIMESTAMP(3),
    "errorCount" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "telegram_channels_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "telegram_messages" (
    "id" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "messageId" BIGINT NOT NULL,
    "text" TEXT,
    "date" TIMESTAMP(3) NOT NULL,
    "senderName" TEXT,
    "views" INTEGER,
    "forwards" INTEGER,
    "hasMedia" BOOLEAN NOT NULL DEFAULT false,
    "mediaType" TEXT,
    "links" TEXT[] DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "telegram_messages_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "users_email_key" ON "users"("email");
CREATE UNIQUE INDEX "users_walletAddress_key" ON "users"("walletAddress");
CREATE UNIQUE INDEX "users_stripeCustomerId_key" ON "users"("stripeCustomerId");
CREATE UNIQUE INDEX "sessions_sessionToken_key" ON "sessions"("sessionToken");
CREATE INDEX "user_sessions_userId_isActive_idx" ON "user_sessions"("userId", "isActive");
CREATE INDEX "user_sessions_expiresAt_idx" ON "user_sessions"("expiresAt");
CREATE INDEX "user_sessions_isActive_idx" ON "user_sessions"("isActive");
CREATE UNIQUE INDEX "user_sessions_userId_deviceId_key" ON "user_sessions"("userId", "deviceId");
CREATE INDEX "volume_alerts_symbol_timestamp_idx" ON "volume_alerts"("symbol", "timestamp");
CREATE INDEX "volume_alerts_timestamp_idx" ON "volume_alerts"("timestamp");
CREATE INDEX "volume_alerts_hourTimestamp_idx" ON "volume_alerts"("hourTimestamp");
CREATE INDEX "volume_alerts_detectionTime_idx" ON "volume_alerts"("detectionTime");
CREATE INDEX "open_interest_snapshots_symbol_ts_idx" ON "open_interest_snapshots"("symbol", "ts");
CREATE INDEX "open_interest_snapshots_ts_idx" ON "open_interest_snapshots"("ts");
CREATE INDEX "open_interest_snapshots_source_ts_idx" ON "open_interest_snapshots"("source", "ts");
CREATE INDEX "open_interest_alerts_symbol_ts_idx" ON "open_interest_alerts"("symbol", "ts");
CREATE INDEX "open_interest_alerts_ts_idx" ON "open_interest_alerts"("ts");
CREATE INDEX "open_interest_alerts_direction_ts_idx" ON "open_interest_alerts"("direction", "ts");
CREATE INDEX "open_interest_alerts_timeframe_ts_idx" ON "open_interest_alerts"("timeframe", "ts");
CREATE INDEX "user_cross_alerts_userId_isActive_idx" ON "user_cross_alerts"("userId", "isActive");
CREATE INDEX "user_cross_alerts_symbol_isActive_idx" ON "user_cross_alerts"("symbol", "isActive");
CREATE INDEX "user_cross_alerts_isActive_lastCheckedAt_idx" ON "user_cross_alerts"("isActive", "lastCheckedAt");
CREATE INDEX "alert_subscriptions_userId_idx" ON "alert_subscriptions"("userId");
CREATE UNIQUE INDEX "alert_subscriptions_userId_symbol_key" ON "alert_subscriptions"("userId", "symbol");
CREATE UNIQUE INDEX "telegram_channels_channelId_key" ON "telegram_channels"("channelId");
CREATE UNIQUE INDEX "telegram_channels_username_key" ON "telegram_channels"("username");
CREATE INDEX "telegram_channels_enabled_idx" ON "telegram_channels"("enabled");
CREATE INDEX "telegram_channels_category_idx" ON "telegram_channels"("category");
CREATE INDEX "telegram_messages_date_idx" ON "telegram_messages"("date" DESC);
CREATE INDEX "telegram_messages_channelId_idx" ON "telegram_messages"("channelId");
CREATE INDEX "telegram_messages_createdAt_idx" ON "telegram_messages"("createdAt" DESC);
CREATE UNIQUE INDEX "telegram_messages_channelId_messageId_key" ON "telegram_messages"("channelId", "messageId");

ALTER TABLE "sessions" ADD CONSTRAINT "sessions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_sessions" ADD CONSTRAINT "user_sessions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_cross_alerts" ADD CONSTRAINT "user_cross_alerts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_subscriptions" ADD CONSTRAINT "alert_subscriptions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "telegram_messages" ADD CONSTRAINT "telegram_messages_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "telegram_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;

export const LEGACY_OUTSIDE_DDL = `
CREATE TYPE "PaymentStatus" AS ENUM ('PENDING', 'CONFIRMED', 'FAILED', 'EXPIRED');
CREATE TYPE "NotificationType" AS ENUM ('USER_SIGNUP', 'PAYMENT', 'SYSTEM');
CREATE TYPE "PromoDiscountType" AS ENUM ('PERCENT', 'FIXED');
CREATE TYPE "SocialPlatform" AS ENUM ('TWITTER', 'TELEGRAM');

CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,
    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "verification_tokens" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL
);
CREATE TABLE "wallet_accounts" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "chainId" TEXT NOT NULL,
    "provider" TEXT NOT NULL DEFAULT 'evm',
    "caip10" TEXT NOT NULL,
    "lastLogin" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "wallet_accounts_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "preferences" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "emailAlerts" BOOLEAN NOT NULL DEFAULT true,
    "smsAlerts" BOOLEAN NOT NULL DEFAULT false,
    "telegramAlerts" BOOLEAN NOT NULL DEFAULT false,
    "discordAlerts" BOOLEAN NOT NULL DEFAULT false,
    "volumeThreshold" DOUBLE PRECISION NOT NULL DEFAULT 3.0,
    "minQuoteVolume" DOUBLE PRECISION NOT NULL DEFAULT 100000,
    "refreshInterval" INTEGER NOT NULL DEFAULT 300000,
    "theme" TEXT NOT NULL DEFAULT 'dark',
    "language" TEXT NOT NULL DEFAULT 'en',
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    CONSTRAINT "preferences_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "assets" (
    "id" TEXT NOT NULL,
    "baseSymbol" TEXT NOT NULL,
    "binanceSymbol" TEXT,
    "coingeckoId" TEXT,
    "displayName" TEXT,
    "logoUrl" TEXT,
    "description" TEXT,
    "status" TEXT NOT NULL DEFAULT 'AUTO',
    "isHidden" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "assets_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "contracts" (
    "id" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "contracts_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "market_snapshots" (
    "id" TEXT NOT NULL,
    "contractId" TEXT NOT NULL,
    "price" DOUBLE PRECISION NOT NULL,
    "volume24h" DOUBLE PRECISION NOT NULL,
    "fundingRate" DOUBLE PRECISION,
    "openInterest" DOUBLE PRECISION,
    "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "market_snapshots_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "alerts" (
    "id" TEXT NOT NULL,
    "contractId" TEXT NOT NULL,
    "userId" TEXT,
    "reason" TEXT NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "actualValue" DOUBLE PRECISION NOT NULL,
    "severity" TEXT NOT NULL DEFAULT 'medium',
    "delivered" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "watchlists" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "watchlists_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "watchlist_items" (
    "id" TEXT NOT NULL,
    "watchlistId" TEXT NOT NULL,
    "contractId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "watchlist_items_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "audit_logs" (
    "id" TEXT NOT NULL,
    "actorUserId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "oldValues" JSONB,
    "newValues" JSONB,
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "admin_sessions" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "ipAddress" TEXT NOT NULL,
    "userAgent" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "admin_sessions_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "admin_wallets" (
    "id" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "network" TEXT NOT NULL,
    "label" TEXT,
    "balance" DECIMAL(36,18),
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "admin_wallets_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "admin_notifications" (
    "id" TEXT NOT NULL,
    "type" "NotificationType" NOT NULL,
    "userId" TEXT,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "metadata" JSONB,
    "isRead" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "admin_notifications_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "crypto_payments" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "paymentId" TEXT NOT NULL,
    "paymentStatus" "PaymentStatus" NOT NULL DEFAULT 'PENDING',
    "payAmount" DECIMAL(30,10),
    "payCurrency" TEXT,
    "actuallyPaid" DECIMAL(30,10),
    "priceAmount" DOUBLE PRECISION NOT NULL,
    "tier" TEXT NOT NULL,
    "invoiceId" TEXT,
    "promoCodeId" TEXT,
    "paidAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "crypto_payments_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "promo_codes" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "discountType" "PromoDiscountType" NOT NULL DEFAULT 'PERCENT',
    "discountPercent" INTEGER NOT NULL,
    "maxUses" INTEGER NOT NULL,
    "currentUses" INTEGER NOT NULL DEFAULT 0,
    "validUntil" TIMESTAMP(3) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "promo_codes_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "promo_code_usages" (
    "id" TEXT NOT NULL,
    "promoCodeId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "paymentId" TEXT NOT NULL,
    "discountAmount" DOUBLE PRECISION NOT NULL,
    "originalAmount" DOUBLE PRECISION NOT NULL,
    "finalAmount" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "promo_code_usages_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "rss_feeds" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "category" TEXT NOT NULL DEFAULT 'news',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lastFetchAt" TIMESTAMP(3),
    "errorCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "rss_feeds_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "rss_articles" (
    "id" TEXT NOT NULL,
    "feedId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "link" TEXT NOT NULL,
    "summary" TEXT,
    "publishedAt" TIMESTAMP(3) NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rss_articles_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "social_media_posts" (
    "id" TEXT NOT NULL,
    "platform" "SocialPlatform" NOT NULL DEFAULT 'TWITTER',
    "alertId" TEXT,
    "alertType" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'QUEUED',
    "postedAt" TIMESTAMP(3),
    "externalId" TEXT,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "social_media_posts_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "academy_learning_paths" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "order" INTEGER NOT NULL DEFAULT 0,
    "isPublished" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "academy_learning_paths_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "academy_modules" (
    "id" TEXT NOT NULL,
    "pathId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "order" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "academy_modules_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "academy_lessons" (
    "id" TEXT NOT NULL,
    "moduleId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "readingTime" INTEGER,
    "order" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "academy_lessons_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "academy_images" (
    "id" TEXT NOT NULL,
    "lessonId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "alt" TEXT,
    "data" BYTEA,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "academy_images_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "academy_quiz_questions" (
    "id" TEXT NOT NULL,
    "lessonId" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "correctIndex" INTEGER NOT NULL,
    "explanation" TEXT,
    CONSTRAINT "academy_quiz_questions_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "academy_progress" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "lessonId" TEXT NOT NULL,
    "completed" BOOLEAN NOT NULL DEFAULT false,
    "quizScore" INTEGER,
    "completedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "academy_progress_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "accounts_provider_providerAccountId_key" ON "accounts"("provider", "providerAccountId");
CREATE UNIQUE INDEX "verification_tokens_token_key" ON "verification_tokens"("token");
CREATE UNIQUE INDEX "verification_tokens_identifier_token_key" ON "verification_tokens"("identifier", "token");
CREATE UNIQUE INDEX "wallet_accounts_caip10_key" ON "wallet_accounts"("caip10");
CREATE INDEX "wallet_accounts_userId_idx" ON "wallet_accounts"("userId");
CREATE UNIQUE INDEX "preferences_userId_key" ON "preferences"("userId");
CREATE UNIQUE INDEX "assets_baseSymbol_key" ON "assets"("baseSymbol");
CREATE UNIQUE INDEX "contracts_symbol_key" ON "contracts"("symbol");
CREATE INDEX "market_snapshots_contractId_timestamp_idx" ON "market_snapshots"("contractId", "timestamp");
CREATE INDEX "alerts_contractId_createdAt_idx" ON "alerts"("contractId", "createdAt");
CREATE UNIQUE INDEX "watchlists_userId_name_key" ON "watchlists"("userId", "name");
CREATE UNIQUE INDEX "watchlist_items_watchlistId_contractId_key" ON "watchlist_items"("watchlistId", "contractId");
CREATE INDEX "audit_logs_actorUserId_createdAt_idx" ON "audit_logs"("actorUserId", "createdAt");
CREATE UNIQUE INDEX "admin_sessions_token_key" ON "admin_sessions"("token");
CREATE UNIQUE INDEX "admin_wallets_address_currency_key" ON "admin_wallets"("address", "currency");
CREATE INDEX "admin_notifications_isRead_createdAt_idx" ON "admin_notifications"("isRead", "createdAt");
CREATE UNIQUE INDEX "crypto_payments_paymentId_key" ON "crypto_payments"("paymentId");
CREATE INDEX "crypto_payments_userId_idx" ON "crypto_payments"("userId");
CREATE UNIQUE INDEX "promo_codes_code_key" ON "promo_codes"("code");
CREATE INDEX "promo_code_usages_promoCodeId_idx" ON "promo_code_usages"("promoCodeId");
CREATE UNIQUE INDEX "rss_feeds_url_key" ON "rss_feeds"("url");
CREATE UNIQUE INDEX "rss_articles_link_key" ON "rss_articles"("link");
CREATE INDEX "rss_articles_publishedAt_idx" ON "rss_articles"("publishedAt" DESC);
CREATE INDEX "social_media_posts_status_idx" ON "social_media_posts"("status");
CREATE UNIQUE INDEX "academy_learning_paths_slug_key" ON "academy_learning_paths"("slug");
CREATE UNIQUE INDEX "academy_modules_pathId_slug_key" ON "academy_modules"("pathId", "slug");
CREATE UNIQUE INDEX "academy_lessons_moduleId_slug_key" ON "academy_lessons"("moduleId", "slug");
CREATE UNIQUE INDEX "academy_progress_userId_lessonId_key" ON "academy_progress"("userId", "lessonId");

ALTER TABLE "accounts" ADD CONSTRAINT "accounts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "wallet_accounts" ADD CONSTRAINT "wallet_accounts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "preferences" ADD CONSTRAINT "preferences_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "market_snapshots" ADD CONSTRAINT "market_snapshots_contractId_fkey" FOREIGN KEY ("contractId") REFERENCES "contracts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_contractId_fkey" FOREIGN KEY ("contractId") REFERENCES "contracts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "watchlists" ADD CONSTRAINT "watchlists_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "watchlist_items" ADD CONSTRAINT "watchlist_items_watchlistId_fkey" FOREIGN KEY ("watchlistId") REFERENCES "watchlists"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "watchlist_items" ADD CONSTRAINT "watchlist_items_contractId_fkey" FOREIGN KEY ("contractId") REFERENCES "contracts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_actorUserId_fkey" FOREIGN KEY ("actorUserId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "admin_sessions" ADD CONSTRAINT "admin_sessions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "admin_wallets" ADD CONSTRAINT "admin_wallets_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "admin_notifications" ADD CONSTRAINT "admin_notifications_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "crypto_payments" ADD CONSTRAINT "crypto_payments_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "crypto_payments" ADD CONSTRAINT "crypto_payments_promoCodeId_fkey" FOREIGN KEY ("promoCodeId") REFERENCES "promo_codes"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "promo_codes" ADD CONSTRAINT "promo_codes_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "promo_code_usages" ADD CONSTRAINT "promo_code_usages_promoCodeId_fkey" FOREIGN KEY ("promoCodeId") REFERENCES "promo_codes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "promo_code_usages" ADD CONSTRAINT "promo_code_usages_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "promo_code_usages" ADD CONSTRAINT "promo_code_usages_paymentId_fkey" FOREIGN KEY ("paymentId") REFERENCES "crypto_payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "rss_articles" ADD CONSTRAINT "rss_articles_feedId_fkey" FOREIGN KEY ("feedId") REFERENCES "rss_feeds"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "social_media_posts" ADD CONSTRAINT "social_media_posts_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "academy_modules" ADD CONSTRAINT "academy_modules_pathId_fkey" FOREIGN KEY ("pathId") REFERENCES "academy_learning_paths"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "academy_lessons" ADD CONSTRAINT "academy_lessons_moduleId_fkey" FOREIGN KEY ("moduleId") REFERENCES "academy_modules"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "academy_images" ADD CONSTRAINT "academy_images_lessonId_fkey" FOREIGN KEY ("lessonId") REFERENCES "academy_lessons"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "academy_quiz_questions" ADD CONSTRAINT "academy_quiz_questions_lessonId_fkey" FOREIGN KEY ("lessonId") REFERENCES "academy_lessons"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "academy_progress" ADD CONSTRAINT "academy_progress_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "academy_progress" ADD CONSTRAINT "academy_progress_lessonId_fkey" FOREIGN KEY ("lessonId") REFERENCES "academy_lessons"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;
