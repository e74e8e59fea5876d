// Rate limits out of the way: suites and benchmarks send hundreds of requests
// a second on one key (500 concurrent creates, 64 in flight for minutes),
// which is what they measure. The api-keys suite sets small limits and tests
// them; every other platform a test starts spreads these before its own env.
export const NO_RATE_LIMITS: Readonly<Record<string, string>> = {
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '1000000',
  RATE_LIMIT_UNAUTHENTICATED_BURST: '1000000',
};
