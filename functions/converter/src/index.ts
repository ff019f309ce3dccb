/** converter: io.kiot.telemetry.raw.v1 → io.kiot.telemetry.converted.v1 (normalized JSON). */
import type { CloudEvent } from 'cloudevents';
import type { Context } from 'faas-js-runtime';
import { answer, deriveEvent, EVENT_TYPES, requireCloudEvent, requireType } from '@kiot/core';
import { refuseAhead } from './ahead';
import { parseConfig, type ConverterConfig } from './config';
import { convert } from './formats';
import { rawInput } from './payload';

let config: Readonly<ConverterConfig> | undefined;

export const init = (): void => {
  config = parseConfig(process.env);
};

// Called by the Broker, never by a browser: no origin is allowed (the runtime's default is `*`).
export const cors = (): string[] => [];

// The runtime's own probes answer 503 with a TypeError once the event loop has lagged (core probes.ts).
export { liveness, readiness } from '@kiot/core';

// Events come with POST: the 405 for another method names these (core incoming.ts, launch.ts).
export { EVENT_METHODS as allow } from '@kiot/core';

export const handle = async (context: Context, event?: CloudEvent<unknown>) =>
  answer(context.log, () => {
    const cfg = (config ??= parseConfig(process.env));
    const ev = requireCloudEvent(context, event);
    requireType(ev, cfg.inputTypes);
    const input = rawInput(ev, cfg.codecs);
    const { format, normalized } = convert(input);
    refuseAhead(normalized.records, input.time, cfg.maxAheadSeconds);
    const extra: Record<string, string> = { kiotformat: format };
    if (ev.dataschema === undefined && cfg.dataschema !== undefined) extra['dataschema'] = cfg.dataschema;
    return deriveEvent(ev, EVENT_TYPES.converted, normalized, extra);
  });
