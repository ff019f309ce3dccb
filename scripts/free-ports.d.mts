// Types for free-ports.mjs, so TypeScript tests can use it.
export function freePorts(n: number): Promise<number[]>;
export function freePort(): Promise<number>;
