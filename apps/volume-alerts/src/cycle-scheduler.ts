import type { Logger } from '@volspike/runtime';
import { planNextCycle } from './cycle-rules.js';

/**
 * The live schedule: a setTimeout chain to the next 5-minute UTC boundary, recomputed from `now` after
 * every cycle (never drifting, never two cycles at once). The cycle time is the boundary itself
 * , so minute == 0 / == 30 hold even when the timer fires a few ms off; a boundary that
 * passed while a cycle overran or the process restarted runs at once with its own time (planNextCycle).
 */
export class CycleScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inflight: Promise<void> | null = null;
  private lastSlot: number | null;

  constructor(
    private readonly opts: {
      runCycle: (cycleTime: number) => Promise<void>;
      logger: Logger;
      now?: () => number;
      /** boundary of the last cycle that ran before this process (persisted state), for catch-up */
      lastSlot: number | null;
      periodMs?: number;
    },
  ) {
    this.lastSlot = opts.lastSlot;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleNext();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inflight;
  }

  /** The boundary the chain waits for (null when stopped or running). */
  nextSlot: number | null = null;

  private scheduleNext(): void {
    if (!this.running) return;
    const plan = planNextCycle({
      now: this.now(),
      lastSlot: this.lastSlot,
      ...(this.opts.periodMs ? { periodMs: this.opts.periodMs } : {}),
    });
    if (plan.skipped > 0)
      this.opts.logger.warn(
        { skipped: plan.skipped, slot: new Date(plan.slot).toISOString() },
        'cycle boundaries passed without a cycle; running the newest one now',
      );
    this.nextSlot = plan.slot;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nextSlot = null;
      // the boundary IS the cycle time, even when the timer fires a few ms early or late
      const cycleTime = plan.slot;
      this.lastSlot = plan.slot;
      this.inflight = this.opts
        .runCycle(cycleTime)
        .catch((err: unknown) =>
          this.opts.logger.error({ err, cycleTime: new Date(cycleTime).toISOString() }, 'volume cycle failed'),
        )
        .finally(() => {
          this.inflight = null;
          this.scheduleNext();
        });
    }, plan.delayMs);
  }
}
