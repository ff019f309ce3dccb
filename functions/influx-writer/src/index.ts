/** influx-writer: io.kiot.telemetry.validated.v1 → InfluxDB points; answers 204 only once written. */
import type { CloudEvent } from 'cloudevents';
import type { Context } from 'faas-js-runtime';
import { answer, EVENT_TYPES, requireCloudEvent, requireType } from '@kiot/core';
import { Batcher } from './batcher';
import { parseConfig, type WriterConfig } from './config';
import { createInfluxWriter, lineWriter } from './influx';
import { eventLines } from './event-lines';
import { deadLetterLine } from './points';

let state: { config: Readonly<WriterConfig>; batcher: Batcher } | undefined;

export const init = (): void => {
  const config = parseConfig(process.env);
  const write = lineWriter(createInfluxWriter({ ...config, precision: config.mapping.precision }));
  state = { config, batcher: new Batcher(write, { maxLines: config.maxBatchLines, concurrentWrites: config.concurrentWrites, retryAfterSeconds: config.retryAfterSeconds }) };
};

export const shutdown = async (): Promise<void> => {
  await state?.batcher.drain();
};

// Called by the Broker, never by a browser: no origin is allowed (the runtime's default is `*`).
export const cors = (): string[] => [];

// The runtime's own probes answer 503 with a TypeError once the event loop has lagged (core probes.ts).
export { liveness, readiness } from '@kiot/core';

// Events come with POST: the 405 for another method names these (core incoming.ts, launch.ts).
export { EVENT_METHODS as allow } from '@kiot/core';

export const handle = async (context: Context, event?: CloudEvent<unknown>) =>
  answer(context.log, async () => {
    if (!state) init();
    const { config, batcher } = state!;
    const ev = requireCloudEvent(context, event);
    const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    if (ev['knativeerrorcode'] !== undefined) {
      // This writer is the dead-letter sink (the light overlay): keep any event, whatever its shape.
      const dl = { application: str(ev['application']) ?? '', device: str(ev['device']) ?? '', channel: ev.subject ?? 'unknown', extensions: {} };
      await batcher.submit([deadLetterLine(dl, ev.type, new Date().toISOString(), ev as unknown as Record<string, unknown>, ev.data, config.mapping.precision)]);
      return undefined;
    }
    if (ev.type !== EVENT_TYPES.rejected) requireType(ev, config.inputTypes);
    const lines = eventLines(ev, config.mapping);
    await batcher.submit(lines);
    return undefined;
  });
