/**
 * `kiot` argv and environment → one typed command, or a UsageError naming what is wrong. Pure, so
 * every rule has a table test; main.ts only does what the command says. Each command takes only
 * its own options: an option meant for another command is refused, never silently ignored.
 */
import { parseArgs } from 'node:util';
import type { Range } from './topics';

export const USAGE = `usage:
  kiot device add APP DEVICE [--password P | --password-stdin] [--gateway-for a,b] [--registry FILE] [--force]
  kiot device disable|enable|remove APP DEVICE [--registry FILE]
  kiot device list [--registry FILE]
  kiot webhook-secret APP [--secret S | --secret-stdin] [--tts-app ID,...] [--registry FILE]
  kiot tail TOPIC [--brokers host:port,...] [--auth-dir DIR] [--from-beginning]
  kiot replay TOPIC (--to BROKER_URL [--ca-file PEM] | --to-topic TOPIC) [--from ISO_TIME | --from-offset N] [--until ISO_TIME | --until-offset N] [--brokers ...] [--auth-dir DIR]
  kiot simulate [--devices N] [--rate R] [--count C | --duration S] [--protocol http|mqtt] [--url URL] [--user U --password P] [--channel C] [--concurrency N]
  kiot help
defaults: --registry $KIOT_REGISTRY_FILE or ./registry.yaml; --brokers $KAFKA_BROKERS or 127.0.0.1:9092;
  --auth-dir $KAFKA_AUTH_DIR: Kafka TLS and SASL from a directory laid out as Knative's Kafka auth Secret, else plaintext;
  simulate: 10 devices, 10 readings/s, as the local stack's demo gateway (gateway1@demo, password demo-gateway-secret),
  to $KIOT_INGEST_URL or http://127.0.0.1:8080 (mqtt: $KIOT_MQTT_URL or mqtt://127.0.0.1:1883), channel temperature
exit status: 0 done, 1 failed, 2 usage error`;

/** Wrong arguments: main prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

/** A secret given on the command line, read from standard input, or generated (and printed once). */
export type SecretSource = { readonly value: string } | 'stdin' | 'generate';

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'device-add'; readonly registry: string; readonly application: string; readonly device: string; readonly password: SecretSource; readonly gatewayFor: readonly string[]; readonly force: boolean }
  | { readonly kind: 'device-enable'; readonly registry: string; readonly application: string; readonly device: string; readonly enabled: boolean }
  | { readonly kind: 'device-remove'; readonly registry: string; readonly application: string; readonly device: string }
  | { readonly kind: 'device-list'; readonly registry: string }
  | { readonly kind: 'webhook-secret'; readonly registry: string; readonly application: string; readonly secret: SecretSource; readonly ttsApplications: readonly string[] }
  | { readonly kind: 'tail'; readonly kafka: KafkaOptions; readonly topic: string; readonly fromBeginning: boolean }
  | { readonly kind: 'replay'; readonly kafka: KafkaOptions; readonly topic: string; readonly range: Range; readonly to: { readonly url: string; readonly caFile?: string } | { readonly topic: string } }
  | { readonly kind: 'simulate'; readonly protocol: 'http' | 'mqtt'; readonly url: string; readonly devices: number; readonly rate: number; readonly count?: number; readonly durationS?: number; readonly concurrency: number; readonly user: string; readonly password: string; readonly channel: string };

/** Brokers, and the directory of a Kafka auth Secret (main reads it). */
export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly authDir?: string;
}

type Env = Readonly<Record<string, string | undefined>>;
type OptionType = 'string' | 'boolean';

/** Every command: the words that name it, its positionals, its options. */
const COMMANDS: Readonly<Record<string, { readonly positionals: readonly string[]; readonly options: Readonly<Record<string, OptionType>> }>> = {
  'device add': { positionals: ['APP', 'DEVICE'], options: { password: 'string', 'password-stdin': 'boolean', 'gateway-for': 'string', registry: 'string', force: 'boolean' } },
  'device disable': { positionals: ['APP', 'DEVICE'], options: { registry: 'string' } },
  'device enable': { positionals: ['APP', 'DEVICE'], options: { registry: 'string' } },
  'device remove': { positionals: ['APP', 'DEVICE'], options: { registry: 'string' } },
  'device list': { positionals: [], options: { registry: 'string' } },
  'webhook-secret': { positionals: ['APP'], options: { secret: 'string', 'secret-stdin': 'boolean', 'tts-app': 'string', registry: 'string' } },
  tail: { positionals: ['TOPIC'], options: { brokers: 'string', 'auth-dir': 'string', 'from-beginning': 'boolean' } },
  replay: { positionals: ['TOPIC'], options: { brokers: 'string', 'auth-dir': 'string', to: 'string', 'ca-file': 'string', 'to-topic': 'string', from: 'string', until: 'string', 'from-offset': 'string', 'until-offset': 'string' } },
  simulate: { positionals: [], options: { devices: 'string', rate: 'string', count: 'string', duration: 'string', protocol: 'string', url: 'string', user: 'string', password: 'string', channel: 'string', concurrency: 'string' } },
};

const ALL_OPTIONS = Object.fromEntries(Object.values(COMMANDS).flatMap((c) => Object.entries(c.options)).map(([k, type]) => [k, { type }]));

type Values = Readonly<Record<string, string | boolean | undefined>>;

const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function secret(v: Values, name: 'password' | 'secret'): SecretSource {
  const given = str(v, name);
  if (given !== undefined && v[`${name}-stdin`] === true) throw new UsageError(`give --${name} or --${name}-stdin, not both`);
  return given !== undefined ? { value: given } : v[`${name}-stdin`] === true ? 'stdin' : 'generate';
}

function number(v: Values, name: string, integer: boolean): number | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${integer ? 'whole ' : ''}number, not ${JSON.stringify(s)}`);
  return n;
}

function offset(v: Values, name: string): bigint | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  if (!/^\d{1,19}$/.test(s)) throw new UsageError(`--${name} must be a record offset (a whole number from 0), not ${JSON.stringify(s)}`);
  return BigInt(s);
}

function time(v: Values, name: string): number | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  if (!/^\d{4}-\d\d-\d\d/.test(s) || Number.isNaN(t)) throw new UsageError(`--${name} must be an RFC 3339 time such as 2026-11-26T08:00:00Z, not ${JSON.stringify(s)}`);
  return t;
}

function range(v: Values): Range {
  const r: Range = { fromTime: time(v, 'from'), untilTime: time(v, 'until'), fromOffset: offset(v, 'from-offset'), untilOffset: offset(v, 'until-offset') };
  if (r.fromTime !== undefined && r.untilTime !== undefined && r.fromTime > r.untilTime) throw new UsageError('--from is after --until: nothing to replay');
  if (r.fromOffset !== undefined && r.untilOffset !== undefined && r.fromOffset > r.untilOffset) throw new UsageError('--from-offset is past --until-offset: nothing to replay');
  return Object.fromEntries(Object.entries(r).filter(([, x]) => x !== undefined)) as Range;
}

/** parseArgs' own messages, shortened to what a user needs. */
function parseError(err: unknown, name: string): UsageError {
  const e = err as { code?: string; message?: string };
  const option = /'([^']+)'/.exec(e.message ?? '')?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) return new UsageError(`${name} has no option ${option.split(' ')[0]}`);
  return new UsageError(e.message ?? String(err));
}

function parse(args: readonly string[], options: Readonly<Record<string, { type: OptionType }>>, strict: boolean, name: string): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict });
  } catch (err) {
    throw parseError(err, name);
  }
}

export function parseCommand(argv: readonly string[], env: Env): Command {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h') || argv[0] === 'help') return { kind: 'help' };
  if (argv.length === 0) throw new UsageError('no command given');
  // A first, loose pass finds the command's words wherever the options are; the second checks the options against that command.
  const loose = parse(argv, ALL_OPTIONS, false, '');
  const [first = '', second = ''] = loose.positionals;
  const name = COMMANDS[`${first} ${second}`] !== undefined ? `${first} ${second}` : first;
  const spec = COMMANDS[name];
  if (spec === undefined) throw new UsageError(`unknown command ${JSON.stringify(name === 'device' ? `device ${second}`.trim() : name)}`);
  const { values: v, positionals } = parse(argv, Object.fromEntries(Object.entries(spec.options).map(([k, type]) => [k, { type }])), true, name);
  const args = positionals.slice(name.split(' ').length);
  if (args.length !== spec.positionals.length) throw new UsageError(`${name} takes ${spec.positionals.length === 0 ? 'no arguments' : spec.positionals.join(' ')}${args.length > spec.positionals.length ? `, not ${JSON.stringify(args.slice(spec.positionals.length).join(' '))} as well` : ''}`);
  const registry = str(v, 'registry') ?? (env['KIOT_REGISTRY_FILE'] || 'registry.yaml');
  const authDir = str(v, 'auth-dir') ?? (env['KAFKA_AUTH_DIR'] || undefined);
  const kafka: KafkaOptions = { brokers: list(str(v, 'brokers') ?? (env['KAFKA_BROKERS'] || '127.0.0.1:9092')), ...(authDir !== undefined ? { authDir } : {}) };
  const [a = '', b = ''] = args;
  switch (name) {
    case 'device add':
      return { kind: 'device-add', registry, application: a, device: b, password: secret(v, 'password'), gatewayFor: list(str(v, 'gateway-for')), force: v['force'] === true };
    case 'device disable':
    case 'device enable':
      return { kind: 'device-enable', registry, application: a, device: b, enabled: name === 'device enable' };
    case 'device remove':
      return { kind: 'device-remove', registry, application: a, device: b };
    case 'device list':
      return { kind: 'device-list', registry };
    case 'webhook-secret':
      return { kind: 'webhook-secret', registry, application: a, secret: secret(v, 'secret'), ttsApplications: list(str(v, 'tts-app')) };
    case 'tail':
      return { kind: 'tail', kafka, topic: a, fromBeginning: v['from-beginning'] === true };
    case 'replay': {
      const url = str(v, 'to');
      const topic = str(v, 'to-topic');
      if ((url === undefined) === (topic === undefined)) throw new UsageError('replay needs exactly one of --to BROKER_URL and --to-topic TOPIC');
      if (url !== undefined && !/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--to must be an http(s) URL, not ${JSON.stringify(url)}`);
      const caFile = str(v, 'ca-file');
      if (caFile !== undefined && url === undefined) throw new UsageError('--ca-file goes with --to (the broker ingress it trusts)');
      return { kind: 'replay', kafka, topic: a, range: range(v), to: url !== undefined ? { url, ...(caFile !== undefined ? { caFile } : {}) } : { topic: topic! } };
    }
    default:
      return simulateCommand(v, env);
  }
}

function simulateCommand(v: Values, env: Env): Command {
  const protocol = str(v, 'protocol') ?? 'http';
  if (protocol !== 'http' && protocol !== 'mqtt') throw new UsageError(`--protocol is http or mqtt, not ${JSON.stringify(protocol)}`);
  const count = number(v, 'count', true);
  const durationS = number(v, 'duration', false);
  if (count !== undefined && durationS !== undefined) throw new UsageError('give --count or --duration, not both');
  const url = str(v, 'url') ?? (protocol === 'mqtt' ? env['KIOT_MQTT_URL'] || 'mqtt://127.0.0.1:1883' : env['KIOT_INGEST_URL'] || 'http://127.0.0.1:8080');
  const scheme = protocol === 'mqtt' ? /^(mqtts?|wss?):\/\/[^/]/ : /^https?:\/\/[^/]/;
  if (!scheme.test(url)) throw new UsageError(`--url ${JSON.stringify(url)} is not a URL for --protocol ${protocol}`);
  return {
    kind: 'simulate', protocol, url,
    devices: number(v, 'devices', true) ?? 10,
    rate: number(v, 'rate', false) ?? 10,
    ...(count !== undefined ? { count } : {}),
    ...(durationS !== undefined ? { durationS } : {}),
    concurrency: number(v, 'concurrency', true) ?? 32,
    user: str(v, 'user') ?? 'gateway1@demo',
    password: str(v, 'password') ?? 'demo-gateway-secret',
    channel: str(v, 'channel') ?? 'temperature',
  };
}
