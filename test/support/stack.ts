/** Starts the local stack as `npm start` does, on free ports, and stops it like Ctrl-C (scripts/stack/launch.mjs). */
import type { LaunchedStack } from '../../scripts/stack/launch.mjs';
import { VM_URL } from './services';

export type Stack = LaunchedStack;

export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const { launchStack } = await import('../../scripts/stack/launch.mjs');
  return launchStack({ viaNpm: true, env: { INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot', INFLUX_ORG: 'kiot', INFLUX_TOKEN: '', ...extraEnv } });
}

export const deviceAuth = `Basic ${Buffer.from('device1@demo:demo-secret').toString('base64')}`;
