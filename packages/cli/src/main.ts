/**
 * `npm run kiot -- <command>`: operator commands (usage in command.ts, docs in this package's README).
 * The registry file defaults to KIOT_REGISTRY_FILE, else ./registry.yaml. Secrets are stored as
 * scrypt hashes; a generated password is printed once and never written in clear.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dump, load } from 'js-yaml';
import mqtt from 'mqtt';
import { kafkaSecurityFromDirectory } from '@kiot/core';
import { parseCommand, USAGE, UsageError, type Command, type KafkaOptions, type SecretSource } from './command';
import { addDevice, listDevices, removeDevice, setEnabled, setWebhookSecret } from './registry-edit';
import { simulate } from './simulate';
import { replay, tail, type KafkaConnection } from './topics';

/** The secret a command was given; a generated one is also returned, to be printed once. */
function resolveSecret(source: SecretSource, bytes: number): { secret: string; generated?: string } {
  if (source === 'stdin') return { secret: readFileSync(0, 'utf8').replace(/\r?\n$/, '') };
  if (source === 'generate') {
    const generated = randomBytes(bytes).toString('base64url');
    return { secret: generated, generated };
  }
  return { secret: source.value };
}

/** The brokers, with TLS and SASL from the auth Secret's directory when one is given; a Secret that is not right is a usage error. */
function kafkaConnection(o: KafkaOptions): KafkaConnection {
  if (o.authDir === undefined) return { brokers: o.brokers };
  const { security, problems } = kafkaSecurityFromDirectory(o.authDir);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return { brokers: o.brokers, security };
}

async function runSimulate(c: Extract<Command, { kind: 'simulate' }>): Promise<number> {
  let client: mqtt.MqttClient | undefined;
  let send: ((device: string, body: string) => Promise<number>) | undefined;
  if (c.protocol === 'mqtt') {
    // One gateway connection, QoS 1: a reading counts as acked when its PUBACK arrives.
    client = await mqtt.connectAsync(c.url, { username: c.user, password: c.password, protocolVersion: 5, reconnectPeriod: 1000 });
    const connected = client;
    send = (device, body) => connected.publishAsync(`${c.channel}/${device}`, body, { qos: 1 }).then(() => 202, () => 503);
  }
  const result = await simulate({ ...c, progress: (line) => process.stderr.write(`\r${line}   `), ...(send ? { send } : {}) });
  await client?.endAsync();
  process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.failed === 0 ? 0 : 1;
}

async function editRegistry(c: Extract<Command, { kind: 'device-add' | 'device-enable' | 'device-remove' | 'webhook-secret' }>): Promise<number> {
  const doc: unknown = existsSync(c.registry) ? load(readFileSync(c.registry, 'utf8')) : { applications: {} };
  let next: unknown;
  let generated: string | undefined;
  if (c.kind === 'device-add') {
    const s = resolveSecret(c.password, 18);
    generated = s.generated;
    next = await addDevice(doc, { application: c.application, device: c.device, password: s.secret, gatewayFor: c.gatewayFor, force: c.force });
  } else if (c.kind === 'device-enable') {
    next = setEnabled(doc, c.application, c.device, c.enabled);
  } else if (c.kind === 'device-remove') {
    next = removeDevice(doc, c.application, c.device);
  } else {
    const s = resolveSecret(c.secret, 24);
    generated = s.generated;
    next = await setWebhookSecret(doc, c.application, s.secret, c.ttsApplications);
  }
  // Written to a temporary file and renamed, so a registry being watched is never half-written.
  writeFileSync(`${c.registry}.tmp`, `# kiot device registry (secrets are scrypt hashes)\n${dump(next, { lineWidth: 200 })}`, { mode: 0o600 });
  renameSync(`${c.registry}.tmp`, c.registry);
  process.stdout.write(`updated ${c.registry}\n`);
  if (generated !== undefined) process.stdout.write(`generated secret (shown once, stored only as a hash): ${generated}\n`);
  return 0;
}

async function run(c: Command): Promise<number> {
  switch (c.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'tail': {
      const stop = new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
      await tail(kafkaConnection(c.kafka), c.topic, c.fromBeginning, (line) => process.stdout.write(`${line}\n`), stop);
      return 0;
    }
    case 'replay': {
      const to = 'url' in c.to && c.to.caFile !== undefined ? { url: c.to.url, ca: readFileSync(c.to.caFile, 'utf8') } : c.to;
      const counts = await replay(kafkaConnection(c.kafka), c.topic, c.range, to);
      process.stdout.write(`${JSON.stringify(counts)}\n`);
      return counts.failed === 0 ? 0 : 1;
    }
    case 'simulate':
      return runSimulate(c);
    case 'device-list':
      // Read only: a missing file is an error here, not an empty registry to create.
      if (!existsSync(c.registry)) throw new Error(`there is no registry at ${c.registry}: kiot device add creates it`);
      for (const line of listDevices(load(readFileSync(c.registry, 'utf8')))) process.stdout.write(`${line}\n`);
      return 0;
    default:
      return editRegistry(c);
  }
}

let command: Command;
try {
  command = parseCommand(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`kiot: ${err.message}\n${USAGE}\n`);
  process.exit(2);
}
run(command).then((code) => process.exit(code), (err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`kiot: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`kiot: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
