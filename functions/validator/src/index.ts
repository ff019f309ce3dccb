/** validator: io.kiot.telemetry.converted.v1 → validated.v1 (data unchanged) or rejected.v1 (data + errors). */
import type { CloudEvent } from 'cloudevents';
import type { Context } from 'faas-js-runtime';
import { answer, deriveEvent, EVENT_TYPES, requireCloudEvent, requireType } from '@kiot/core';
import { parseConfig, type ValidatorConfig } from './config';
import { loadSchemas, type SchemaSet } from './schemas';
import { judge } from './validate';

let state: { config: Readonly<ValidatorConfig>; schemas: SchemaSet } | undefined;

export const init = (): void => {
  const config = parseConfig(process.env);
  state = { config, schemas: loadSchemas(config.schemasDir, config.mapping) };
};

// Called by the Broker, never by a browser: no origin is allowed (the runtime's default is `*`).
export const cors = (): string[] => [];

// The runtime's own probes answer 503 with a TypeError once the event loop has lagged (core probes.ts).
export { liveness, readiness } from '@kiot/core';

// Events come with POST: the 405 for another method names these (core incoming.ts, launch.ts).
export { EVENT_METHODS as allow } from '@kiot/core';

export const handle = async (context: Context, event?: CloudEvent<unknown>) =>
  answer(context.log, () => {
    if (!state) init();
    const { config, schemas } = state!;
    const ev = requireCloudEvent(context, event);
    requireType(ev, config.inputTypes);
    const application = typeof ev['application'] === 'string' ? ev['application'] : undefined;
    const verdict = judge(ev.data, { dataschema: ev.dataschema, application, channel: ev.subject }, schemas, config.noSchema);
    const schema: Record<string, string> = verdict.schema === undefined ? {} : { dataschema: verdict.schema };
    if (verdict.kind === 'valid') return deriveEvent(ev, EVENT_TYPES.validated, ev.data, schema);
    return deriveEvent(ev, EVENT_TYPES.rejected, { data: ev.data, errors: verdict.errors }, schema);
  });
