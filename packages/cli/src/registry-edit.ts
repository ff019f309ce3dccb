/** Edits a registry document: adds devices and secrets as scrypt hashes, never plaintext. */
import { hashSecret, parseRegistry } from '@kiot/core';

type Doc = { applications: Record<string, { enabled?: boolean; webhookSecret?: string; ttsApplications?: string[]; devices?: Record<string, { password?: string; enabled?: boolean; gatewayFor?: string[] }> }> };

const NAME = /^[-A-Za-z0-9_.:]{1,128}$/;

export interface DeviceSpec {
  readonly application: string;
  readonly device: string;
  readonly password: string;
  readonly gatewayFor: readonly string[];
  readonly force: boolean;
}

export async function addDevice(doc: unknown, spec: DeviceSpec): Promise<Doc> {
  if (!NAME.test(spec.application) || !NAME.test(spec.device)) throw new Error('application and device names are letters, digits, - _ . : (at most 128)');
  if (spec.password.length < 8) throw new Error('the password must have at least 8 characters');
  const out = structuredClone((doc ?? { applications: {} }) as Doc);
  out.applications ??= {};
  const app = (out.applications[spec.application] ??= { enabled: true, devices: {} });
  app.devices ??= {};
  if (app.devices[spec.device] && !spec.force) throw new Error(`${spec.device}@${spec.application} exists; --force replaces it`);
  app.devices[spec.device] = { password: await hashSecret(spec.password), enabled: true, ...(spec.gatewayFor.length > 0 ? { gatewayFor: [...spec.gatewayFor] } : {}) };
  parseRegistry(out);
  return out;
}

export function setEnabled(doc: unknown, application: string, device: string, enabled: boolean): Doc {
  const out = structuredClone(doc as Doc);
  const entry = out.applications?.[application]?.devices?.[device];
  if (!entry) throw new Error(`no device ${device}@${application}`);
  entry.enabled = enabled;
  return out;
}

/** Takes a device out; a gateway's permission naming it stays, harmless, until a device of that name is added again. */
export function removeDevice(doc: unknown, application: string, device: string): Doc {
  const out = structuredClone(doc as Doc);
  const devices = out.applications?.[application]?.devices;
  if (!devices?.[device]) throw new Error(`no device ${device}@${application}`);
  delete devices[device];
  return out;
}

/** One line per device, for an operator's audit: its state and gateway rights, never a hash. */
export function listDevices(doc: unknown): string[] {
  const registry = parseRegistry(doc);
  const lines: string[] = [];
  for (const [appName, app] of Object.entries(registry.applications)) {
    const appNotes = [app.enabled ? '' : 'application disabled', app.webhookSecret !== undefined ? `webhook secret set${app.ttsApplications.length > 0 ? ` (tts: ${app.ttsApplications.join(',')})` : ''}` : ''].filter(Boolean);
    if (Object.keys(app.devices).length === 0) lines.push(`@${appName}\tno devices${appNotes.length > 0 ? `\t${appNotes.join('; ')}` : ''}`);
    for (const [devName, dev] of Object.entries(app.devices)) {
      const notes = [dev.password === undefined ? 'no password' : '', dev.gatewayFor.length > 0 ? `gateway for ${dev.gatewayFor.join(',')}` : '', ...appNotes].filter(Boolean);
      lines.push(`${devName}@${appName}\t${dev.enabled && app.enabled ? 'enabled' : 'disabled'}${notes.length > 0 ? `\t${notes.join('; ')}` : ''}`);
    }
  }
  return lines;
}

export async function setWebhookSecret(doc: unknown, application: string, secret: string, ttsApplications: readonly string[]): Promise<Doc> {
  if (secret.length < 16) throw new Error('a webhook secret must have at least 16 characters');
  const out = structuredClone((doc ?? { applications: {} }) as Doc);
  const app = (out.applications[application] ??= { enabled: true, devices: {} });
  app.webhookSecret = await hashSecret(secret);
  if (ttsApplications.length > 0) app.ttsApplications = [...ttsApplications];
  parseRegistry(out);
  return out;
}
