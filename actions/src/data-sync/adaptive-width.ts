// How many requests a transfer keeps in flight: additive increase, multiplicative decrease
// (AIMD, as TCP does). It starts at the width the work allows; a congestion signal (S3's
// SlowDown/503, throttling, a request the SDK had to retry) halves it, at most once per round
// of requests (those started before a cut do not cut again), and each `width` successes without
// one widen it by one, back up to the most.
export class AdaptiveWidth {
  private width: number;
  private inFlight = 0;
  private successes = 0;
  /** Bumped by every cut; a request started before the latest cut cannot cut again. */
  private generation = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly most: number) {
    this.width = Math.max(1, Math.floor(most));
  }

  get current(): number {
    return this.width;
  }

  /** Runs `fn` once fewer than the current width are in flight; `congested` judges how it went. */
  async run<T>(
    fn: () => Promise<T>,
    congested: (outcome: { value: T } | { error: unknown }) => boolean,
  ): Promise<T> {
    while (this.inFlight >= this.width) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.inFlight++;
    const startedIn = this.generation;
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = { value: await fn() };
    } catch (error) {
      outcome = { error };
    }
    this.inFlight--;
    this.settle(startedIn, congested(outcome));
    if ("error" in outcome) throw outcome.error;
    return outcome.value;
  }

  private settle(startedIn: number, congested: boolean): void {
    if (congested) {
      if (startedIn === this.generation) {
        this.generation++;
        this.width = Math.max(1, Math.floor(this.width / 2));
        this.successes = 0;
      }
    } else if (++this.successes >= this.width && this.width < this.most) {
      this.width++;
      this.successes = 0;
    }
    // Wake as many waiters as there is room for; each re-checks the width.
    for (let free = this.width - this.inFlight; free > 0 && this.waiting.length > 0; free--) {
      this.waiting.shift()?.();
    }
  }
}
