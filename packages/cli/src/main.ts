/**
 * `npm run kiot -- <command>`: operator commands.
 *   device add APP DEVICE [--password P | --password-stdin] [--gateway-for a,b] [--registry FILE] [--force]
 *   device disable|enable APP DEVICE [--registry FILE]
 *   webhook-secret APP [--secret S | --secret-stdin] [--tts-app ID,...] [--registry FILE]
 *   tail TOPIC [--brokers host:port,...] [--from-beginning]
 *   replay TOPIC (--to URL | --to-topic T) [--from ISO|--from-offset N] [--until ISO|--until-offset N] [--brokers ...]
 *   simulate --devices N --rate R [--count C | --duration S] [--protocol http] [--url URL] [--user U --password P] [--channel C]
 * The registry file defaults to KIOT_REGISTRY_FILE, else ./registry.yaml. Secrets are stored as
 * scrypt hashes; a generated password is printed once and never written in clear.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dump, load } from 'js-yaml';
import { addDevice, setEnabled, setWebhookSecret } from './registry-edit';
import mqtt from 'mqtt';
import { simulate } from './simulate';
import { replay, tail, type Range } from './topics';

const usage = `usage:
  kiot device add APP DEVICE [--password P | --password-stdin] [--gateway-for a,b] [--registry FILE] [--force]
  kiot device disable|enable APP DEVICE [--registry FILE]
  kiot webhook-secret APP [--secret S | --secret-stdin] [--tts-app ID,...] [--registry FILE]
  kiot tail TOPIC [--brokers host:port,...] [--from-beginning]
  kiot replay TOPIC (--to BROKER_URL | --to-topic TOPIC) [--from ISO_TIME | --from-offset N] [--until ISO_TIME | --until-offset N] [--brokers ...]
  kiot simulate --devices N --rate R [--count C | --duration S] [--protocol http|mqtt] [--url URL] [--user U --password P] [--channel C]
    defaults: the local stack's demo gateway (gateway1@demo, demo-secret of the demo registry), http://127.0.0.1:8080, channel temperature`;

function readStdin(): string {
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { brokers: { type: 'string' }, 'from-beginning': { type: 'boolean' }, to: { type: 'string' }, 'to-topic': { type: 'string' }, from: { type: 'string' }, until: { type: 'string' }, 'from-offset': { type: 'string' }, 'until-offset': { type: 'string' }, devices: { type: 'string' }, rate: { type: 'string' }, count: { type: 'string' }, duration: { type: 'string' }, protocol: { type: 'string' }, url: { type: 'string' }, user: { type: 'string' }, channel: { type: 'string' }, concurrency: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' }, secret: { type: 'string' }, 'secret-stdin': { type: 'boolean' }, 'gateway-for': { type: 'string' }, 'tts-app': { type: 'string' }, registry: { type: 'string' }, force: { type: 'boolean' } },
  });
  const brokers = (values.brokers ?? process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
  if (positionals[0] === 'tail' && positionals[1]) {
    const stop = new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
    await tail(brokers, positionals[1], values['from-beginning'] === true, (line) => process.stdout.write(`${line}\n`), stop);
    return 0;
  }
  if (positionals[0] === 'replay' && positionals[1]) {
    if ((values.to === undefined) === (values['to-topic'] === undefined)) throw new Error('replay needs exactly one of --to URL and --to-topic TOPIC');
    const time = (v: string | undefined, name: string): number | undefined => {
      if (v === undefined) return undefined;
      const t = Date.parse(v);
      if (Number.isNaN(t)) throw new Error(`--${name} must be an RFC 3339 time`);
      return t;
    };
    const range: Range = {
      ...(values.from !== undefined ? { fromTime: time(values.from, 'from') } : {}),
      ...(values.until !== undefined ? { untilTime: time(values.until, 'until') } : {}),
      ...(values['from-offset'] !== undefined ? { fromOffset: BigInt(values['from-offset']) } : {}),
      ...(values['until-offset'] !== undefined ? { untilOffset: BigInt(values['until-offset']) } : {}),
    };
    const counts = await replay(brokers, positionals[1], range, values.to !== undefined ? { url: values.to } : { topic: values['to-topic']! });
    process.stdout.write(`${JSON.stringify(counts)}\n`);
    return counts.failed === 0 ? 0 : 1;
  }
  if (positionals[0] === 'simulate') {
    const num = (v: string | undefined, fallback: number | undefined): number | undefined => (v === undefined ? fallback : Number(v));
    const protocol = values.protocol ?? 'http';
    if (protocol !== 'http' && protocol !== 'mqtt') throw new Error('--protocol is http or mqtt');
    const opts = { devices: num(values.devices, 10)!, rate: num(values.rate, 10)!, count: num(values.count, undefined), durationS: num(values.duration, undefined), concurrency: num(values.concurrency, 32)! };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined && (!Number.isFinite(v) || v <= 0)) throw new Error(`--${k} must be a positive number`);
    const user = values.user ?? 'gateway1@demo';
    const password = values.password ?? 'demo-gateway-secret';
    const channel = values.channel ?? 'temperature';
    let client: mqtt.MqttClient | undefined;
    let send: ((device: string, body: string) => Promise<number>) | undefined;
    if (protocol === 'mqtt') {
      // One gateway connection, QoS 1: a reading counts as acked when its PUBACK arrives.
      client = await mqtt.connectAsync(values.url ?? process.env['KIOT_MQTT_URL'] ?? 'mqtt://127.0.0.1:1883', { username: user, password, protocolVersion: 5, reconnectPeriod: 1000 });
      const c = client;
      send = (device, body) => c.publishAsync(`${channel}/${device}`, body, { qos: 1 }).then(() => 202, () => 503);
    }
    const result = await simulate({
      ...opts,
      url: values.url ?? process.env['KIOT_INGEST_URL'] ?? 'http://127.0.0.1:8080',
      user,
      password,
      channel,
      progress: (line) => process.stderr.write(`\r${line}   `),
      ...(send ? { send } : {}),
    });
    await client?.endAsync();
    process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.failed === 0 ? 0 : 1;
  }
  const file = values.registry ?? process.env['KIOT_REGISTRY_FILE'] ?? 'registry.yaml';
  const doc: unknown = existsSync(file) ? load(readFileSync(file, 'utf8')) : { applications: {} };
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const [cmd, sub, a, b] = positionals;
  let next: unknown;
  let generated: string | undefined;
  if (cmd === 'device' && sub === 'add' && a && b) {
    let password = values['password-stdin'] ? readStdin() : values.password;
    if (password === undefined) password = generated = randomBytes(18).toString('base64url');
    next = await addDevice(doc, { application: a, device: b, password, gatewayFor: list(values['gateway-for']), force: values.force === true });
  } else if (cmd === 'device' && (sub === 'disable' || sub === 'enable') && a && b) {
    next = setEnabled(doc, a, b, sub === 'enable');
  } else if (cmd === 'webhook-secret' && sub) {
    let secret = values['secret-stdin'] ? readStdin() : values.secret;
    if (secret === undefined) secret = generated = randomBytes(24).toString('base64url');
    next = await setWebhookSecret(doc, sub, secret, list(values['tts-app']));
  } else {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  // Written to a temporary file and renamed, so a registry being watched is never half-written.
  writeFileSync(`${file}.tmp`, `# kiot device registry (secrets are scrypt hashes)\n${dump(next, { lineWidth: 200 })}`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  process.stdout.write(`updated ${file}\n`);
  if (generated !== undefined) process.stdout.write(`generated secret (shown once, stored only as a hash): ${generated}\n`);
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`kiot: ${(err as Error).message}\n`);
  process.exit(1);
});
