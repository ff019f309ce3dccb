import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applicationForTts, Authenticator, ConfigError, FailureLimiter, hashSecret, loadRegistryFile, mayPublishFor, parseRegistry, startingRegistry, verifySecret, watchRegistryFile } from '../src';

describe('device registry', () => {
  let hash: string;
  before(async () => { hash = await hashSecret('s3cret'); });

  it('hashes with scrypt and verifies only the right secret', async () => {
    assert.match(hash, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifySecret(hash, 's3cret'), true);
    assert.equal(await verifySecret(hash, 's3cret '), false);
    assert.equal(await verifySecret('plaintext', 'plaintext'), false);
  });

  it('refuses a plaintext password in the file, naming where', () => {
    assert.throws(() => parseRegistry({ applications: { a: { devices: { d: { password: 'hunter2' } } } } }), /applications\.a\.devices\.d\.password must be a scrypt hash/);
    assert.throws(() => parseRegistry({}), /applications/);
  });

  it('answers the same for an unknown device and a wrong password, and 403-worthy only for a disabled device with the right password', async () => {
    const auth = new Authenticator(parseRegistry({ applications: { a: { devices: { d: { password: hash }, off: { password: hash, enabled: false } } } } }));
    assert.deepEqual(await auth.device('a', 'nobody', 's3cret'), { ok: false, reason: 'unauthenticated' });
    assert.deepEqual(await auth.device('a', 'd', 'wrong'), { ok: false, reason: 'unauthenticated' });
    assert.deepEqual(await auth.device('a', 'off', 'wrong'), { ok: false, reason: 'unauthenticated' });
    assert.deepEqual(await auth.device('a', 'off', 's3cret'), { ok: false, reason: 'disabled' });
    assert.equal((await auth.device('a', 'd', 's3cret')).ok, true);
  });

  it('caches a verified credential briefly so repeated requests skip scrypt', async () => {
    let t = 0;
    const auth = new Authenticator(parseRegistry({ applications: { a: { devices: { d: { password: hash } } } } }), 1000, 10, () => t);
    await auth.device('a', 'd', 's3cret');
    const start = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) assert.equal((await auth.device('a', 'd', 's3cret')).ok, true);
    const cachedMs = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(cachedMs < 50 * 5, `50 cached checks took ${cachedMs} ms: the cache is not used`);
    // A wrong password is never served from the cache.
    assert.equal((await auth.device('a', 'd', 'S3cret')).ok, false);
    t = 2000; // expired: verified again, still right
    assert.equal((await auth.device('a', 'd', 's3cret')).ok, true);
  });

  it('keys its cache by a keyed hash: never the presented secret, and not the same key in another process', async () => {
    const registry = parseRegistry({ applications: { a: { devices: { d: { password: hash } } } } });
    const keys = async (): Promise<string[]> => {
      const auth = new Authenticator(registry);
      assert.equal((await auth.device('a', 'd', 's3cret')).ok, true);
      return [...(auth as unknown as { cache: Map<string, number> }).cache.keys()];
    };
    const [one, other] = [await keys(), await keys()];
    assert.equal(one.length, 1);
    for (const form of ['s3cret', Buffer.from('s3cret').toString('base64'), Buffer.from('s3cret').toString('hex')]) assert.ok(!one[0]!.includes(form), form);
    // A random key per Authenticator (per process): the same credential gives another cache key.
    assert.notEqual(one[0], other[0]);
  });

  it('runs scrypt once for a burst of concurrent requests with the same credential', async () => {
    const auth = new Authenticator(parseRegistry({ applications: { a: { devices: { d: { password: hash } } } } }));
    const start = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: 40 }, () => auth.device('a', 'd', 's3cret')));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(results.every((r) => r.ok));
    // 40 separate scrypt runs take well over a second on two cores; one takes tens of milliseconds.
    assert.ok(ms < 600, `40 concurrent checks took ${ms} ms`);
  });

  it('limits simultaneous guesses from one address: a failure is reserved as each verification begins', async () => {
    const auth = new Authenticator(parseRegistry({ applications: { a: { devices: { d: { password: hash } } } } }));
    const failures = new FailureLimiter(5);
    const guesses = await Promise.all(Array.from({ length: 40 }, (_, i) => auth.device('a', i % 2 === 0 ? 'd' : 'nobody', `guess-${i}`, failures.gate('203.0.113.9'))));
    const counts = guesses.reduce<Record<string, number>>((m, g) => ({ ...m, [g.ok ? 'ok' : g.reason]: (m[g.ok ? 'ok' : g.reason] ?? 0) + 1 }), {});
    assert.deepEqual(counts, { unauthenticated: 5, limited: 35 });
    assert.ok(failures.peek('203.0.113.9') > 0, 'the address now waits');
    assert.equal(failures.peek('198.51.100.1'), 0, 'other addresses are unaffected');
  });

  it('gives the reserved failure back when the credential is right, and a burst of one right credential counts once', async () => {
    const auth = new Authenticator(parseRegistry({ applications: { a: { devices: { d: { password: hash } } } } }));
    const failures = new FailureLimiter(2);
    const results = await Promise.all(Array.from({ length: 40 }, () => auth.device('a', 'd', 's3cret', failures.gate('203.0.113.9'))));
    assert.ok(results.every((r) => r.ok));
    for (let i = 0; i < 10; i++) assert.equal((await auth.device('a', 'd', 's3cret', failures.gate('203.0.113.9'))).ok, true);
    assert.equal(failures.peek('203.0.113.9'), 0);
  });

  it('knows gateways and maps The Things Stack applications', () => {
    const r = parseRegistry({ applications: { kiot: { ttsApplications: ['tts-app'], devices: { gw: { gatewayFor: ['d1'] }, any: { gatewayFor: ['*'] } } } } });
    assert.equal(mayPublishFor(r.applications['kiot']!.devices['gw']!, 'd1'), true);
    assert.equal(mayPublishFor(r.applications['kiot']!.devices['gw']!, 'd2'), false);
    assert.equal(mayPublishFor(r.applications['kiot']!.devices['any']!, 'd2'), true);
    assert.equal(applicationForTts(r, 'tts-app'), 'kiot');
    assert.equal(applicationForTts(r, 'other'), 'other');
  });

  it('names where a registry file is not YAML without quoting its lines, which the log would carry (a plaintext password typed in); at start, as a configuration problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiot-reg-'));
    try {
      const file = join(dir, 'registry.yaml');
      writeFileSync(file, 'applications:\n  a:\n    devices:\n      d: { password: hunter2-typed-in }\n      e: { password: [oops }\n');
      assert.throws(() => loadRegistryFile(file), (e: Error) => {
        assert.match(e.message, new RegExp(`^registry ${file}: not YAML: .+ at line 5, column \\d+$`));
        assert.doesNotMatch(e.message, /hunter2|oops/);
        return true;
      });
      // At start, a configuration problem named by the variable that points at the file.
      assert.throws(() => startingRegistry(file, 'INGEST_REGISTRY_FILE'), (e: unknown) => e instanceof ConfigError && /^INGEST_REGISTRY_FILE: registry .+: not YAML: .+ at line 5/.test(e.problems[0]!) && !/hunter2/.test(e.message));
      assert.throws(() => startingRegistry(join(dir, 'absent.yaml'), 'MQTT_REGISTRY_FILE'), (e: unknown) => e instanceof ConfigError && e.problems[0] === `MQTT_REGISTRY_FILE: ${join(dir, 'absent.yaml')} does not exist`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reloads the file when it changes and keeps the last good one when an edit is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiot-reg-'));
    const file = join(dir, 'registry.yaml');
    writeFileSync(file, `applications:\n  a:\n    devices:\n      d: { password: "${hash}" }\n`);
    assert.deepEqual(Object.keys(loadRegistryFile(file).applications), ['a']);
    const seen: string[][] = [];
    const errors: string[] = [];
    const stop = watchRegistryFile(file, (r) => seen.push(Object.keys(r.applications)), (e) => errors.push(e.message), 50);
    try {
      await new Promise((r) => setTimeout(r, 120));
      writeFileSync(file, `applications:\n  b: {}\n`);
      for (let i = 0; i < 40 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(seen.at(-1), ['b']);
      writeFileSync(file, `applications: [`);
      for (let i = 0; i < 40 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(errors.length, 1);
    } finally {
      stop();
    }
  });

  it('reloads a Kubernetes Secret mount, where every update swaps the ..data symlink to a new directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiot-secret-'));
    // As the kubelet lays a Secret out: registry.yaml -> ..data/registry.yaml, ..data -> ..<timestamp>/.
    const publish = (version: number, apps: string): void => {
      mkdirSync(join(dir, `..v${version}`));
      writeFileSync(join(dir, `..v${version}`, 'registry.yaml'), `applications:\n  ${apps}: {}\n`);
      symlinkSync(`..v${version}`, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      if (version > 1) rmSync(join(dir, `..v${version - 1}`), { recursive: true });
    };
    publish(1, 'first');
    symlinkSync('..data/registry.yaml', join(dir, 'registry.yaml'));
    const seen: string[] = [];
    const stop = watchRegistryFile(join(dir, 'registry.yaml'), (r) => seen.push(Object.keys(r.applications).join()), () => undefined, 50);
    try {
      for (const [version, apps] of [[2, 'second'], [3, 'third']] as const) {
        await new Promise((r) => setTimeout(r, 120));
        publish(version, apps);
        for (let i = 0; i < 40 && seen.at(-1) !== apps; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(seen.at(-1), apps, `update ${version} was picked up`);
      }
    } finally {
      stop();
    }
  });
});
