/** Told of every admission (how long the batch waited) and every change of the counts (for /metrics). */
export interface IngestGateObserver {
  admitted(waitedMs: number): void;
  changed(running: number, waiting: number): void;
}

/**
 * Admission of ingest statements to the database: at most `concurrency` run at once, and a waiting batch of
 * fewer rows goes first (shortest job first), so that a poller's publish of a few dozen live samples is not
 * queued behind a bulk load's 500-row batches (a backfill, the legacy snapshot, a replayed outbox). A batch
 * that has waited `maxWaitMs` goes before any newer one, whatever its size: a steady stream of small batches
 * cannot starve a large one.
 *
 * Why a gate at all: with every statement admitted, eight concurrent 500-row inserts on a 2-core machine shared
 * Postgres' CPU nine ways with a live publish, which then took 30–60 ms instead of a few (bench, ADR 0007).
 * Postgres' own throughput does not need more statements in flight than it has cores (plus one waiting on
 * its commit's WAL flush).
 */
export class IngestGate {
  private running = 0;
  private readonly waiting: { rows: number; since: number; start: () => void }[] = [];
  private admittedTotal = 0;
  private waitedMsTotal = 0;

  private readonly maxWaitMs: number;

  /** `maxWaitMs`: how long a large batch may wait before it goes ahead of smaller, newer ones (default 1 s). */
  constructor(
    private readonly opts: {
      concurrency: number;
      maxWaitMs?: number;
      now?: () => number;
      observer?: IngestGateObserver;
    },
  ) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new Error('IngestGate: concurrency ≥ 1');
    this.maxWaitMs = opts.maxWaitMs ?? 1000;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Runs `fn` once admitted; `rows` is the batch's size (its priority: fewer first). */
  async run<T>(rows: number, fn: () => Promise<T>): Promise<T> {
    let waited = 0;
    if (this.running >= this.opts.concurrency || this.waiting.length > 0) {
      const since = this.now();
      await new Promise<void>((start) => {
        this.waiting.push({ rows, since, start });
        this.changed();
      });
      waited = this.now() - since;
      this.waitedMsTotal += waited;
    } else {
      this.running++;
      this.changed();
    }
    this.admittedTotal++;
    this.opts.observer?.admitted(waited);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Statements running, batches waiting, and the totals since start (admitted, milliseconds waited). */
  stats(): { running: number; waiting: number; admitted: number; waitedMs: number } {
    return {
      running: this.running,
      waiting: this.waiting.length,
      admitted: this.admittedTotal,
      waitedMs: this.waitedMsTotal,
    };
  }

  /** Hands the freed slot to the next batch (the slot stays counted as running), or frees it. */
  private release(): void {
    const next = this.pickNext();
    if (next === null) this.running--;
    else this.waiting.splice(next, 1)[0]!.start();
    this.changed();
  }

  private changed(): void {
    this.opts.observer?.changed(this.running, this.waiting.length);
  }

  /** The oldest waiter once it has waited maxWaitMs, else the smallest (the oldest among equals); null if none. */
  private pickNext(): number | null {
    if (this.waiting.length === 0) return null;
    if (this.now() - this.waiting[0]!.since >= this.maxWaitMs) return 0;
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) if (this.waiting[i]!.rows < this.waiting[best]!.rows) best = i;
    return best;
  }
}
