/** Loads the registry from a YAML or JSON file (in Kubernetes, a mounted Secret) and reloads it. */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { load, YAMLException } from 'js-yaml';
import { ConfigError } from './config';
import { parseRegistry, type Registry } from './registry';

export function loadRegistryFile(path: string): Registry {
  return parseRegistry(parsedYaml(readFileSync(path, 'utf8'), path));
}

/** The registry a process starts with: a file that is missing, not YAML or no registry stops the start as a configuration problem, named by its variable. */
export function startingRegistry(path: string, variable: string): Registry {
  try {
    return loadRegistryFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ConfigError([`${variable}: ${code === 'ENOENT' ? `${path} does not exist` : (err as Error).message}`]);
  }
}

/**
 * The document, or an error that names the problem and where it is, without js-yaml's excerpt of
 * the lines around it: those lines may hold a secret (a plaintext password typed in by mistake) and
 * the message goes to the log.
 */
function parsedYaml(text: string, path: string): unknown {
  try {
    return load(text);
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const at = err.mark === undefined ? '' : ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}`;
    throw new Error(`registry ${path}: not YAML: ${err.reason}${at}`);
  }
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
