// The few statistics the benches print, written once.

/** The value at fraction `p` of `values` once sorted (the rank below: p·(n−1)). */
export const quantile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(p * (sorted.length - 1))]!;
};

/** The middle value (of an even count, the upper of the two). */
export const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
