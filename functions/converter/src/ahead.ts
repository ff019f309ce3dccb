/**
 * Readings stamped after they were received: a device clock running ahead (a real-time clock reset
 * to another year, a wrong time zone). InfluxDB would keep them where no dashboard of the present
 * looks, and VictoriaMetrics drops a sample more than 2 days ahead of its own clock while answering
 * 204; so they are refused (422) with both times named, and the dead-letter sink keeps the event.
 * Readings from the past are a device's backlog, and are taken.
 */
import { unprocessable, type NormalizedRecord } from '@kiot/core';

const DAY_MS = 86_400_000;

const span = (ms: number): string => (ms >= DAY_MS ? `${(ms / DAY_MS).toFixed(1)} days` : `${Math.round(ms / 1000)} s`);

/**
 * Refuses (422) records whose time is more than `maxAheadSeconds` after `received` (the event's time,
 * stamped when the endpoint took it). Records come oldest first, so the last is the one to compare.
 */
export function refuseAhead(records: readonly NormalizedRecord[], received: string, maxAheadSeconds: number): void {
  const last = records[records.length - 1];
  if (last === undefined) return;
  const ahead = Date.parse(last.time) - Date.parse(received);
  if (!(ahead > maxAheadSeconds * 1000)) return;
  throw unprocessable(
    `record ${records.length - 1}: its time ${last.time} is ${span(ahead)} after the event's own ${received}, more than CONVERTER_MAX_AHEAD_SECONDS=${maxAheadSeconds}: a device clock running ahead?`,
    'time ahead of receipt',
  );
}
