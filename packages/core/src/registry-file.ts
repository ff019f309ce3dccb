/** Loads the registry from a YAML or JSON file (in Kubernetes, a mounted Secret) and reloads it. */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { load } from 'js-yaml';
import { parseRegistry, type Registry } from './registry';

export function loadRegistryFile(path: string): Registry {
  return parseRegistry(load(readFileSync(path, 'utf8')));
}

/**
 * Polls the file: a Secret update swaps a symlink, which fs.watch misses. A broken edit keeps
 * the last good registry and reports the problem.
 */
export function watchRegistryFile(path: string, onChange: (r: Registry) => void, onError: (e: Error) => void, intervalMs = 2000): () => void {
  const listener = (): void => {
    try {
      onChange(loadRegistryFile(path));
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
