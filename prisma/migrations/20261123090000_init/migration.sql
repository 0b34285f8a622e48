-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- CreateEnum
CREATE TYPE "UserStatus" AS ENUM ('ACTIVE', 'SUSPENDED', 'BANNED');

-- CreateEnum
CREATE TYPE "AlertType" AS ENUM ('SPIKE', 'HALF_UPDATE', 'FULL_UPDATE');

-- CreateEnum
CREATE TYPE "CrossAlertType" AS ENUM ('PRICE_CROSS', 'FUNDING_CROSS', 'OI_CROSS');

-- CreateEnum
CREATE TYPE "AlertDeliveryMethod" AS ENUM ('DASHBOARD', 'EMAIL', 'BOTH');

-- CreateEnum
CREATE TYPE "OiAlertZone" AS ENUM ('INSIDE', 'OUTSIDE');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "tier" TEXT NOT NULL DEFAULT 'free',
    "role" "Role" NOT NULL DEFAULT 'USER',
    "status" "UserStatus" NOT NULL DEFAULT 'ACTIVE',
    "refreshInterval" INTEGER NOT NULL DEFAULT 900,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
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
    "idempotencyKey" TEXT,

    CONSTRAINT "volume_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
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

-- CreateTable
CREATE TABLE "open_interest_latest" (
    "symbol" TEXT NOT NULL,
    "openInterest" DECIMAL(30,8) NOT NULL,
    "openInterestUsd" DECIMAL(30,2),
    "markPrice" DECIMAL(20,8),
    "ts" TIMESTAMP(3) NOT NULL,
    "source" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "open_interest_latest_pkey" PRIMARY KEY ("symbol")
);

-- CreateTable
CREATE TABLE "open_interest_alerts" (
    "id" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "baseline" DECIMAL(30,8) NOT NULL,
    "current" DECIMAL(30,8) NOT NULL,
    "pctChange" DECIMAL(10,6) NOT NULL,
    "absChange" DECIMAL(30,8) NOT NULL,
    "priceChange" DECIMAL(10,6),
    "fundingRate" DECIMAL(18,10),
    "timeframe" TEXT NOT NULL DEFAULT '5 min',
    "source" TEXT NOT NULL,
    "ts" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "details" JSONB,

    CONSTRAINT "open_interest_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oi_alert_states" (
    "symbol" TEXT NOT NULL,
    "timeframe" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "lastAlertAt" TIMESTAMP(3),
    "state" "OiAlertZone" NOT NULL DEFAULT 'INSIDE',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "oi_alert_states_pkey" PRIMARY KEY ("symbol","timeframe","direction")
);

-- CreateTable
CREATE TABLE "open_interest_liquid_symbols" (
    "symbol" TEXT NOT NULL,
    "quoteVolume24h" DECIMAL(30,2) NOT NULL,
    "enteredAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "open_interest_liquid_symbols_pkey" PRIMARY KEY ("symbol")
);

-- CreateTable
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

-- CreateTable
CREATE TABLE "alert_subscriptions" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
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

-- CreateTable
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
    "links" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "telegram_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "component_heartbeats" (
    "component" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "component_heartbeats_pkey" PRIMARY KEY ("component")
);

-- CreateTable
CREATE TABLE "ingest_requests" (
    "idempotencyKey" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "statusCode" INTEGER NOT NULL,
    "responseBody" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingest_requests_pkey" PRIMARY KEY ("idempotencyKey")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "sessions_userId_idx" ON "sessions"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "volume_alerts_idempotencyKey_key" ON "volume_alerts"("idempotencyKey");

-- CreateIndex
CREATE INDEX "volume_alerts_symbol_timestamp_idx" ON "volume_alerts"("symbol", "timestamp");

-- CreateIndex
CREATE INDEX "volume_alerts_timestamp_idx" ON "volume_alerts"("timestamp");

-- CreateIndex
CREATE INDEX "volume_alerts_hourTimestamp_idx" ON "volume_alerts"("hourTimestamp");

-- CreateIndex
CREATE INDEX "volume_alerts_detectionTime_idx" ON "volume_alerts"("detectionTime");

-- CreateIndex
CREATE INDEX "open_interest_snapshots_symbol_ts_idx" ON "open_interest_snapshots"("symbol", "ts" DESC);

-- CreateIndex
CREATE INDEX "open_interest_snapshots_ts_idx" ON "open_interest_snapshots"("ts");

-- CreateIndex
CREATE INDEX "open_interest_snapshots_source_ts_idx" ON "open_interest_snapshots"("source", "ts");

-- CreateIndex
CREATE UNIQUE INDEX "open_interest_snapshots_symbol_ts_source_key" ON "open_interest_snapshots"("symbol", "ts", "source");

-- CreateIndex
CREATE INDEX "open_interest_alerts_symbol_ts_idx" ON "open_interest_alerts"("symbol", "ts");

-- CreateIndex
CREATE INDEX "open_interest_alerts_ts_idx" ON "open_interest_alerts"("ts");

-- CreateIndex
CREATE INDEX "open_interest_alerts_direction_ts_idx" ON "open_interest_alerts"("direction", "ts");

-- CreateIndex
CREATE INDEX "open_interest_alerts_timeframe_ts_idx" ON "open_interest_alerts"("timeframe", "ts");

-- CreateIndex
CREATE UNIQUE INDEX "open_interest_alerts_symbol_direction_timeframe_ts_key" ON "open_interest_alerts"("symbol", "direction", "timeframe", "ts");

-- CreateIndex
CREATE INDEX "user_cross_alerts_userId_isActive_idx" ON "user_cross_alerts"("userId", "isActive");

-- CreateIndex
CREATE INDEX "user_cross_alerts_symbol_isActive_idx" ON "user_cross_alerts"("symbol", "isActive");

-- CreateIndex
CREATE INDEX "user_cross_alerts_isActive_lastCheckedAt_idx" ON "user_cross_alerts"("isActive", "lastCheckedAt");

-- CreateIndex
CREATE INDEX "alert_subscriptions_userId_idx" ON "alert_subscriptions"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "alert_subscriptions_userId_symbol_key" ON "alert_subscriptions"("userId", "symbol");

-- CreateIndex
CREATE UNIQUE INDEX "telegram_channels_channelId_key" ON "telegram_channels"("channelId");

-- CreateIndex
CREATE UNIQUE INDEX "telegram_channels_username_key" ON "telegram_channels"("username");

-- CreateIndex
CREATE INDEX "telegram_channels_enabled_idx" ON "telegram_channels"("enabled");

-- CreateIndex
CREATE INDEX "telegram_channels_category_idx" ON "telegram_channels"("category");

-- CreateIndex
CREATE INDEX "telegram_messages_date_idx" ON "telegram_messages"("date" DESC);

-- CreateIndex
CREATE INDEX "telegram_messages_channelId_idx" ON "telegram_messages"("channelId");

-- CreateIndex
CREATE INDEX "telegram_messages_createdAt_idx" ON "telegram_messages"("createdAt" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "telegram_messages_channelId_messageId_key" ON "telegram_messages"("channelId", "messageId");

-- CreateIndex
CREATE INDEX "ingest_requests_createdAt_idx" ON "ingest_requests"("createdAt");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_cross_alerts" ADD CONSTRAINT "user_cross_alerts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_subscriptions" ADD CONSTRAINT "alert_subscriptions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "telegram_messages" ADD CONSTRAINT "telegram_messages_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "telegram_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;
