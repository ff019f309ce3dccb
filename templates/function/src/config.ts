/** Configuration of __NAME__, parsed once from env at init. */
import { EnvReader, type Env } from '@kiot/core';

export interface StepConfig {
  /** The type of the events this step replies with; never a type its Trigger filters on. */
  readonly replyType: string;
}

export function parseConfig(env: Env): Readonly<StepConfig> {
  const r = new EnvReader(env);
  const replyType = r.string('STEP_REPLY_TYPE', 'io.kiot.__NAME__.v1');
  if (!/^[a-z0-9.-]+$/.test(replyType)) r.problem(`STEP_REPLY_TYPE must be a reverse-DNS type, got ${JSON.stringify(replyType)}`);
  return r.done({ replyType });
}
