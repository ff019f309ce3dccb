import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authenticator, loadRegistryFile } from '@kiot/core';

const ROOT = join(__dirname, '../../..');
const kiot = (args: string[], input?: string) => spawnSync(process.execPath, [join(ROOT, 'packages/cli/build/kiot.js'), ...args], { encoding: 'utf8', input });

describe('kiot device add / disable / list / remove, webhook-secret', function () {
  this.timeout(20_000);
  const file = join(mkdtempSync(join(tmpdir(), 'kiot-cli-')), 'registry.yaml');

  it('writes a hashed entry the endpoints accept, readable only by its owner, with no plaintext', async () => {
    const r = kiot(['device', 'add', 'plant', 'sensor-1', '--password-stdin', '--registry', file], 'correct horse battery\n');
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /correct horse/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const auth = new Authenticator(loadRegistryFile(file));
    assert.equal((await auth.device('plant', 'sensor-1', 'correct horse battery')).ok, true);
    assert.equal((await auth.device('plant', 'sensor-1', 'wrong')).ok, false);
  });

  it('generates and prints a password once when none is given; refuses a duplicate without --force', async () => {
    const r = kiot(['device', 'add', 'plant', 'gw-1', '--gateway-for', 'sensor-1,sensor-2', '--registry', file]);
    assert.equal(r.status, 0, r.stderr);
    const password = /generated secret .*: (\S+)/.exec(r.stdout)![1]!;
    const reg = loadRegistryFile(file);
    assert.deepEqual(reg.applications['plant']!.devices['gw-1']!.gatewayFor, ['sensor-1', 'sensor-2']);
    assert.equal((await new Authenticator(reg).device('plant', 'gw-1', password)).ok, true);
    assert.equal(kiot(['device', 'add', 'plant', 'gw-1', '--password', 'another-password', '--registry', file]).status, 1);
  });

  it('disables a device and sets a webhook secret for The Things Stack applications', async () => {
    assert.equal(kiot(['device', 'disable', 'plant', 'sensor-1', '--registry', file]).status, 0);
    assert.equal(kiot(['webhook-secret', 'plant', '--secret', 'a-long-webhook-secret', '--tts-app', 'tts-plant', '--registry', file]).status, 0);
    const auth = new Authenticator(loadRegistryFile(file));
    assert.deepEqual(await auth.device('plant', 'sensor-1', 'correct horse battery'), { ok: false, reason: 'disabled' });
    assert.equal(await auth.webhook('plant', 'a-long-webhook-secret'), true);
    assert.deepEqual(auth.current.applications['plant']!.ttsApplications, ['tts-plant']);
  });

  it('lists every device with its state and gateway rights, and never a hash', () => {
    const r = kiot(['device', 'list', '--registry', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), [
      'gw-1@plant\tenabled\tgateway for sensor-1,sensor-2; webhook secret set (tts: tts-plant)',
      'sensor-1@plant\tdisabled\twebhook secret set (tts: tts-plant)',
    ]);
    assert.doesNotMatch(r.stdout, /scrypt/);
    const missing = kiot(['device', 'list', '--registry', `${file}.absent`]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, `kiot: there is no registry at ${file}.absent: kiot device add creates it\n`);
  });

  it('removes a device: its password no longer opens anything, and a second remove names what is missing', async () => {
    const r = kiot(['device', 'remove', 'plant', 'sensor-1', '--registry', file]);
    assert.equal(r.status, 0, r.stderr);
    const auth = new Authenticator(loadRegistryFile(file));
    assert.deepEqual(await auth.device('plant', 'sensor-1', 'correct horse battery'), { ok: false, reason: 'unauthenticated' });
    assert.ok(auth.current.applications['plant']!.devices['gw-1'], 'the other device stays');
    const again = kiot(['device', 'remove', 'plant', 'sensor-1', '--registry', file]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no device sensor-1@plant/);
  });

  it('answers usage with exit 2 and refuses a short password', () => {
    assert.equal(kiot(['nope']).status, 2);
    const r = kiot(['device', 'add', 'plant', 'x', '--password', 'short', '--registry', file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /at least 8/);
  });
});
