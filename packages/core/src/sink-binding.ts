/**
 * What a SinkBinding injects into the endpoints: K_SINK (where events go), K_CE_OVERRIDES (the
 * extensions its `ceOverrides` asks the subject to put on every event: "apply the overrides
 * yourself") and K_CA_CERTS (the CA bundle of an https sink, when eventing TLS is on).
 * kiot's own attributes (type, source, application, device, …) win over the overrides.
 */
import { isAttributeName, isSpecAttribute } from './cloudevent-spec';
import type { EnvReader } from './config';
import type { SendEvent } from './sink';

export interface SinkBinding {
  readonly sink: string;
  readonly overrides: Readonly<Record<string, string>>;
  /** PEM: the certificates an https K_SINK is trusted by, besides the system's roots. */
  readonly caCerts?: string;
}

export function readSinkBinding(r: EnvReader): SinkBinding {
  const sink = r.url('K_SINK', true) ?? '';
  const { overrides, problems } = parseCeOverrides(r.optional('K_CE_OVERRIDES'));
  for (const p of problems) r.problem(p);
  const caCerts = r.optional('K_CA_CERTS');
  if (caCerts !== undefined && !caCerts.includes('-----BEGIN CERTIFICATE-----')) r.problem('K_CA_CERTS must hold PEM certificates (-----BEGIN CERTIFICATE-----)');
  return { sink, overrides, ...(caCerts !== undefined ? { caCerts } : {}) };
}

/** The extensions, or the problems with the variable (for the config's list). */
export function parseCeOverrides(raw: string | undefined): { readonly overrides: Readonly<Record<string, string>>; readonly problems: readonly string[] } {
  if (raw === undefined || raw.trim() === '') return { overrides: {}, problems: [] };
  let extensions: unknown;
  try {
    extensions = (JSON.parse(raw) as { extensions?: unknown } | null)?.extensions ?? {};
  } catch {
    return { overrides: {}, problems: ['K_CE_OVERRIDES must be JSON like {"extensions":{"site":"plant1"}}'] };
  }
  if (typeof extensions !== 'object' || extensions === null || Array.isArray(extensions)) return { overrides: {}, problems: ['K_CE_OVERRIDES extensions must be an object of names to values'] };
  const overrides: Record<string, string> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(extensions)) {
    // The spec's name rule, and its advice to keep a name to 20 characters, held to for a setting.
    if (!isAttributeName(k) || k.length > 20) problems.push(`K_CE_OVERRIDES extension ${JSON.stringify(k)} must be 1 to 20 lowercase letters or digits`);
    // As Knative's own sources (sdk-go) refuse them: an override is an extension, and a spec
    // attribute set this way (a time, a dataschema kiot leaves unset) would reach the broker unchecked.
    else if (isSpecAttribute(k)) problems.push(`K_CE_OVERRIDES extension ${k} is a CloudEvents context attribute, not an extension`);
    else if (typeof v === 'object' && v !== null) problems.push(`K_CE_OVERRIDES extension ${k} must be a string, number or boolean`);
    else overrides[k] = String(v);
  }
  return { overrides, problems };
}

/** A sender that adds the overrides to every event under its own attributes. */
export function withOverrides(send: SendEvent, overrides: Readonly<Record<string, string>>): SendEvent {
  if (Object.keys(overrides).length === 0) return send;
  return (event) => send({ attributes: { ...overrides, ...event.attributes }, data: event.data });
}
