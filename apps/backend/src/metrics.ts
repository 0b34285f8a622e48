import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '@volspike/runtime';

export interface BackendMetrics {
  oiSamples: Counter<'source'>;
  alerts: Counter<'kind'>;
  ingestDuration: Histogram<'route' | 'status'>;
  telegramMessages: Counter<'result'>;
  retentionRows: Counter<'action'>;
  emails: Counter<'result'>;
  legacyIdTokens: Counter<'transport'>;
  oiIngestGateWait: Histogram;
  oiIngestStatements: Gauge<'state'>;
}

/**
 * Registers the backend's metrics on `registry`. Rates (samples/s, alerts/min) are `rate()` of the counters.
 * `socketClients` reads the live count from Socket.IO at scrape time.
 */
export function createBackendMetrics(registry: Registry, socketClients: () => number): BackendMetrics {
  gauge(registry, {
    name: 'volspike_backend_socket_clients',
    help: 'Connected Socket.IO clients on this backend',
    collect() {
      this.set(socketClients());
    },
  });
  return {
    oiSamples: counter(registry, {
      name: 'volspike_backend_oi_samples_ingested_total',
      help: 'OI samples stored (new rows)',
      labelNames: ['source'],
    }),
    alerts: counter(registry, {
      name: 'volspike_backend_alerts_ingested_total',
      help: 'Alerts stored',
      labelNames: ['kind'],
    }),
    ingestDuration: histogram(registry, {
      name: 'volspike_backend_ingest_duration_seconds',
      help: 'Ingest request latency',
      labelNames: ['route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    telegramMessages: counter(registry, {
      name: 'volspike_backend_telegram_messages_total',
      help: 'Telegram messages ingested',
      labelNames: ['result'],
    }),
    retentionRows: counter(registry, {
      name: 'volspike_backend_retention_rows_total',
      help: 'Rows handled by the retention job',
      labelNames: ['action'],
    }),
    emails: counter(registry, {
      name: 'volspike_backend_emails_total',
      help: 'Alert emails: queued (outbox row written), sent, retry (attempt failed, retried later), failed (given up)',
      labelNames: ['result'],
    }),
    legacyIdTokens: counter(registry, {
      name: 'volspike_backend_legacy_id_token_requests_total',
      help: 'Requests (transport=rest) and Socket.IO handshakes (transport=socket) identified by a bare user id (LEGACY_ID_TOKENS)',
      labelNames: ['transport'],
    }),
    oiIngestGateWait: histogram(registry, {
      name: 'volspike_backend_oi_ingest_gate_wait_seconds',
      help: 'Time an OI ingest statement waited for its turn (OI_INGEST_CONCURRENCY); the count is the statements admitted',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    oiIngestStatements: gauge(registry, {
      name: 'volspike_backend_oi_ingest_statements',
      help: 'OI ingest statements running and batches waiting for their turn (OI_INGEST_CONCURRENCY)',
      labelNames: ['state'],
    }),
  };
}
