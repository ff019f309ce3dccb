/**
 * Subscriber and dead-letter references, resolved the way the local stack runs things: a
 * Knative Service is a local function process (by name), a KafkaSink is a file-backed sink,
 * a Broker is this broker's own ingress; a `uri` is used as given (or relative to its ref).
 */
import type { Target } from './attempt';
import type { Destination } from './manifests';

export class ResolveError extends Error {}

export function createResolver(services: Readonly<Record<string, string>>, ingressBase: string, absent: readonly string[] = []) {
  return (dest: Destination): Target => {
    if (!dest.ref) return { url: dest.uri! };
    const { kind, name, namespace } = dest.ref;
    let base: string;
    if (kind === 'KafkaSink') return { sink: name };
    if (kind === 'Broker') base = `${ingressBase}/${namespace}/${name}`;
    else if (kind === 'Service' || kind === 'Deployment') {
      if (absent.includes(name)) return { disabled: name };
      const url = services[name];
      if (url === undefined) throw new ResolveError(`no local process for ${kind} ${name}: known are ${Object.keys(services).join(', ') || 'none'} (BROKER_SERVICES)`);
      base = url;
    } else throw new ResolveError(`cannot resolve ${kind} ${name} locally`);
    return { url: dest.uri === undefined ? base : new URL(dest.uri, base.endsWith('/') ? base : `${base}/`).toString() };
  };
}
