/** __NAME__: a kiot pipeline step. Replies to every event it gets with io.kiot.__NAME__.v1. */
import type { CloudEvent } from 'cloudevents';
import type { Context } from 'faas-js-runtime';
import { answer, deriveEvent, requireCloudEvent } from '@kiot/core';
import { parseConfig, type StepConfig } from './config';
import { step } from './step';

let config: Readonly<StepConfig> | undefined;

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
    return deriveEvent(ev, cfg.replyType, step(ev.data));
  });
