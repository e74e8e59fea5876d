// Runs one job at a time, as often as asked but never twice at once: a
// request while it runs makes one more run after it, however many came
// (a burst of changes costs two reconciles, not one per change). A periodic
// run (drift repair) goes through the same door. A failing run is logged by
// the caller's job and retried by the next request or tick, never in a spin.
export class CoalescingLoop {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly job: () => Promise<void>,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.request(), this.everyMs);
    this.timer.unref();
    this.request();
  }

  /** Asks for a run; resolves when a run that started after this call has finished. */
  request(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true; // the run under way goes round once more before it resolves
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.job();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
