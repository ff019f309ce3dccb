/**
 * A registry reload reaches connections that are already open. HTTP checks every request, but an
 * MQTT device authenticates once per connection, and a connection lasts for days: without this a
 * device removed, disabled or given a new password (a leaked one) would go on publishing until it
 * reconnected. Mosquitto's dynamic security disconnects such clients too.
 */
import type { Registry } from '@kiot/core';
import type { Identity } from './publish';

/** The identity under the new registry (its gateway rights as now written), or undefined when it may no longer connect. */
export function identityUnder(registry: Registry, id: Identity): Identity | undefined {
  const app = registry.applications[id.application];
  const entry = app?.devices[id.device];
  if (app === undefined || entry === undefined || !app.enabled || !entry.enabled) return undefined;
  // The hash changes only when the password does: the one this connection presented is no longer it.
  if (entry.password !== id.entry.password) return undefined;
  return { ...id, entry };
}
