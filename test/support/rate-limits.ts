// Rate limits out of the way, for benchmarks only: they measure what the
// platform can do (64 creates in flight for minutes, 500 operations a second),
// not one API key's fair share. Tests run at the default limits; their client
// waits out a 429 as Retry-After says (platform.ts), and the api-keys suite
// tests the limiter itself.
export const NO_RATE_LIMITS: Readonly<Record<string, string>> = {
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '1000000',
  RATE_LIMIT_UNAUTHENTICATED_BURST: '1000000',
};
