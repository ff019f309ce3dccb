// Types for launch.mjs, so TypeScript tests can use it.
import type { ChildProcess } from 'node:child_process';

export interface LaunchedStack {
  readonly ports: Record<string, number>;
  readonly varDir: string;
  readonly child: ChildProcess;
  output(): string;
  pid(name: string): number;
  pids(): Record<string, number>;
  starts(name: string): number;
  interrupt(): Promise<string>;
  stop(): Promise<void>;
}

export function launchStack(options?: { env?: Record<string, string>; viaNpm?: boolean; readyMs?: number }): Promise<LaunchedStack>;
