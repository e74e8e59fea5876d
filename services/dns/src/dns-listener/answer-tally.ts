// Answers counted where they are made (an answering worker) and added up where
// the metrics are served (the primary), once a second instead of per query.
// Kept per duration bucket with the bucket's summed time, so the primary's
// histogram gets every bucket count and the total time exactly (see dns-metrics.ts).

/** Upper bounds in seconds: answers take microseconds; a lookup that blocks shows in the upper buckets. */
export const ANSWER_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1];

export interface AnswerTally {
  /** [rcode, answers] */
  readonly rcodes: Array<[number, number]>;
  /** Per bucket of ANSWER_BUCKETS, then one past the last: [answers, summed ms]. */
  readonly buckets: Array<[number, number]>;
}

export class AnswerCounter {
  private rcodes = new Map<number, number>();
  private readonly counts = new Float64Array(ANSWER_BUCKETS.length + 1);
  private readonly sums = new Float64Array(ANSWER_BUCKETS.length + 1);
  private any = false;

  add(rcode: number, ms: number): void {
    this.rcodes.set(rcode, (this.rcodes.get(rcode) ?? 0) + 1);
    const seconds = ms / 1000;
    let i = 0;
    while (i < ANSWER_BUCKETS.length && seconds > ANSWER_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sums[i]! += ms;
    this.any = true;
  }

  /** What was counted since the last call, or null when nothing was. */
  take(): AnswerTally | null {
    if (!this.any) return null;
    const tally: AnswerTally = { rcodes: [...this.rcodes], buckets: [...this.counts].map((n, i) => [n, this.sums[i]!]) };
    this.rcodes = new Map();
    this.counts.fill(0);
    this.sums.fill(0);
    this.any = false;
    return tally;
  }
}
