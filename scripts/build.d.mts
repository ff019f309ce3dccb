// Types for build.mjs, so TypeScript tests can use it.
export function patchSource(path: string, src: string): string;
export function buildAll(): Promise<void>;
