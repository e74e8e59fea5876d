// Types of supervisor.mjs, for the TypeScript specs that import it.
import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import type { RestartPolicy } from './restart-policy.mjs';

export type ReportLevel = 'info' | 'crash' | 'alarm';

export interface SupervisorOptions {
  readonly policy?: RestartPolicy;
  readonly report?: (line: string, level: ReportLevel) => void;
  readonly stopGraceMs?: number;
  readonly now?: () => number;
}

export interface SpawnEvent {
  readonly name: string;
  readonly pid: number | undefined;
  readonly restarts: number;
}

export interface CrashEvent {
  readonly name: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly uptimeMs: number;
  readonly delayMs: number;
  readonly restart: number;
  readonly alarm: boolean;
}

export declare class Supervisor extends EventEmitter {
  constructor(options?: SupervisorOptions);
  readonly stopping: boolean;
  add(name: string, start: () => ChildProcess): void;
  pidOf(name: string): number | undefined;
  stop(): Promise<void>;
  killAll(): void;
  on(event: 'spawn', listener: (event: SpawnEvent) => void): this;
  on(event: 'crash', listener: (event: CrashEvent) => void): this;
  off(event: 'spawn', listener: (event: SpawnEvent) => void): this;
  off(event: 'crash', listener: (event: CrashEvent) => void): this;
}

export declare function stopOnSignals(supervisor: Supervisor, onStopped: () => void, signals?: NodeJS.Signals[]): void;
