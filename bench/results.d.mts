// Types for results.mjs, so TypeScript tests can use it.
export interface Scenario { readonly error?: string; readonly measuredAt?: string; readonly failedNow?: string; readonly table?: string[]; readonly notes?: string[]; readonly figures?: unknown }
export interface Results { readonly environment: { readonly date: string; readonly cpu: string; readonly cores: number; readonly node: string }; readonly mode: string; readonly scenarios: Record<string, Scenario> }
export function mergeResults(previous: Results | undefined, current: Results, only: boolean): Results;
export function markdown(r: Results): string;
