// Types of restart-policy.mjs, for the TypeScript specs that import it.

export interface RestartPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly resetAfterMs: number;
  readonly alarmCrashes: number;
  readonly alarmWindowMs: number;
}

export interface RestartState {
  readonly restarts: number;
  readonly streak: number;
  readonly recentCrashes: readonly number[];
}

export interface RestartDecision {
  readonly state: RestartState;
  readonly delayMs: number;
  readonly restart: number;
  readonly crashesInWindow: number;
  readonly alarm: boolean;
}

export declare const DEFAULT_RESTART_POLICY: RestartPolicy;
export declare function initialRestartState(): RestartState;
export declare function afterCrash(state: RestartState, run: { startedAt: number; exitedAt: number }, policy?: RestartPolicy): RestartDecision;
export declare function describeExit(code: number | null, signal: NodeJS.Signals | null): string;
export declare function crashReport(
  name: string,
  exit: { code: number | null; signal: NodeJS.Signals | null; uptimeMs: number },
  decision: RestartDecision,
  policy?: RestartPolicy,
): string[];
