// Scenario 4: the writer's points/s into VictoriaMetrics, through Kafka-direct and through the HTTP
// path, as a ratio to posting the same line protocol batches straight to VictoriaMetrics in the same
// run (the ceiling).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CloudEvent, Kafka as CE } from 'cloudevents';
import { cpuNow, cpuPerUnit as perPoint, medians, root, sleep, stats, round, startProcess } from '../lib.mjs';
import { VM_URL, vmAvailable, vmSettled } from './targets.mjs';
import { CONNECTIONS, postAll, startWriter } from './writer-http.mjs';
import { profileDir, summariseLatest } from '../profile.mjs';

// kafkajs as kiot's consumer carries it (patched, scripts/build.mjs), so the client's bound is the shipped client's.
const { Kafka, logLevel } = createRequire(import.meta.url)('../build/kafkajs.js');

const execFileAsync = promisify(execFile);
const BROKERS = [process.env.KIOT_KAFKA_BROKERS ?? '127.0.0.1:19092'];
const PACK = 50;
// As the Knative Kafka broker creates its topic (eventing/base/kafka-broker-config.yaml).
const PARTITIONS = 10;
const REPLICAS = 2;

/** The pid of a service scripts/services started (VictoriaMetrics, the Kafka broker), or undefined. */
function servicePid(pattern) {
  try {
    return Number(execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

export async function kafkaDirect(s, say) {
  if (!(await vmAvailable())) throw new Error('VictoriaMetrics is not running (scripts/services/start)');
  const out = { figures: {}, table: [], notes: [] };
  // A consumer is long-lived, and the figure is its sustained rate. With 300,000 points the ceiling ran
  // for a quarter second, and VictoriaMetrics had not yet begun the merging a sustained write load pays
  // for; with 1,000,000 in records of 50 a fresh consumer was done in under two seconds, about half of
  // them its start-up (the first 500,000 points at 470,000/s, each later 500,000 at 540,000–850,000/s).
  // So the ceiling and the records of 50 take 3,000,000 points.
  const n = s.runs === 1 ? 20_000 : 3_000_000;
  // One reading per record runs ten times slower (kafkajs's bound): the first million points are minutes enough.
  const nSingle = s.runs === 1 ? 20_000 : 1_000_000;
  // The HTTP path takes one request per event: a tenth of those points, one per event, is ten seconds or more.
  const nHttp = nSingle / 10;
  // One reading per record in the Broker's topic is three records a reading: a fifth of the points keeps the run short.
  const nStagesSingle = nSingle / 5;
  const services = { victoriaMetrics: servicePid('victoria-metrics'), kafka: servicePid('kafka.Kafka') };
  const cpu = { ceiling: [], packs: [], replicas: [] };
  const kafka = new Kafka({ clientId: 'kiot-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const results = { ceiling: [], kiot: [], client: [], packs: [], replicas: [], stages: [], stagesSingle: [], http: [], httpPacks: [] };
  const writer = await startWriter();
  // Fresh: a profile found there at the end was made by this run's extra run.
  const prof = profileDir('kafka-direct', { fresh: true });
  const profPacks = profileDir('kafka-direct-packs', { fresh: true });
  try {
    // One more run under --cpu-prof when the target is missed, so the results name where the time goes.
    for (let run = 0; run <= s.runs; run++) {
      const profiling = run === s.runs;
      if (profiling && (s.runs === 1 || stats(results.kiot).median / stats(results.ceiling).median >= 0.9)) break;
      const tag = `b${Date.now()}`;
      // The same n points two ways: one reading per record (unbatched devices) and packs of PACK readings per record.
      const { lines, points } = benchPoints(tag, n);
      const topics = { single: `kiot-bench-${tag}`, packs: `kiot-bench-${tag}-packs`, replicas: `kiot-bench-${tag}-replicas`, stages: `kiot-bench-${tag}-stages`, stagesSingle: `kiot-bench-${tag}-stages-single` };
      await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
      // A producer per run: kafkajs refreshes the metadata of every topic a producer ever sent to, and the last
      // run's topics are deleted (with topic auto-creation off, as the test Kafka runs, that refresh fails).
      const producer = kafka.producer();
      await producer.connect();
      try {
        await produce(producer, topics.single, validatedEvents(points.slice(0, nSingle), 1), 1);
        await produce(producer, topics.packs, validatedEvents(points, PACK), PACK);
        if (!profiling) await produce(producer, topics.replicas, validatedEvents(points, PACK), PACK);
        if (!profiling) await produce(producer, topics.stages, stageEvents(points, PACK), PACK);
        if (!profiling) await produce(producer, topics.stagesSingle, stageEvents(points.slice(0, nStagesSingle), 1), 1);
      } finally {
        await producer.disconnect();
      }
      // Ceiling: the same line protocol, 5,000 lines a request, gzip at the writer's default level (1), straight to VictoriaMetrics.
      await vmSettled();
      const c0 = process.hrtime.bigint();
      const cpu0 = cpuNow({ ...services, bench: process.pid });
      for (let i = 0; i < lines.length; i += 5000) {
        const res = await fetch(`${VM_URL}/api/v2/write?bucket=kiot&precision=ms`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: gzipSync(lines.slice(i, i + 5000).join('\n'), { level: 1 }) });
        if (res.status >= 300) throw new Error(`ceiling write answered ${res.status}`);
      }
      const ceiling = n / (Number(process.hrtime.bigint() - c0) / 1e9);
      if (!profiling) cpu.ceiling.push(perPoint(cpu0, cpuNow({ ...services, bench: process.pid }), n));
      if (!profiling) results.ceiling.push(ceiling);
      // The chosen client's own bound: kafkajs reading the same records and discarding them.
      if (!profiling) results.client.push(await kafkajsAlone(topics.single, `bench-alone-${tag}`, nSingle));
      await vmSettled();
      const { rate } = await consumeAll(topics.single, `bench-${tag}`, nSingle, profiling ? prof : undefined, services);
      if (!profiling) results.kiot.push(rate);
      await vmSettled();
      const { rate: packRate, cpu: packCpu } = await consumeAll(topics.packs, `bench-${tag}-packs`, n, profiling ? profPacks : undefined, services);
      if (!profiling) results.packs.push(packRate);
      if (!profiling) cpu.packs.push(packCpu);
      // The Deployment scaled out: replicas in one consumer group share the topic's partitions.
      let replicaRate = 0;
      if (!profiling) {
        await vmSettled();
        const r = await consumeAll(topics.replicas, `bench-${tag}-replicas`, n, undefined, services, REPLICAS);
        results.replicas.push((replicaRate = r.rate));
        cpu.replicas.push(r.cpu);
        await vmSettled();
        results.stages.push((await consumeAll(topics.stages, `bench-${tag}-stages`, n, undefined, services)).rate);
        await vmSettled();
        results.stagesSingle.push((await consumeAll(topics.stagesSingle, `bench-${tag}-stages-single`, nStagesSingle, undefined, services)).rate);
      }
      say(`${profiling ? 'profiled run' : `run ${run + 1}`}: ceiling ${Math.round(ceiling)} points/s, Kafka-direct ${Math.round(rate)} points/s, in packs of ${PACK} ${Math.round(packRate)} points/s${profiling ? '' : `, ${REPLICAS} replicas ${Math.round(replicaRate)} points/s`}`);
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    }
    // The HTTP path after every Kafka-direct run: the points it writes would keep VictoriaMetrics merging
    // through the next run's ceiling.
    for (let run = 0; run < s.runs; run++) {
      const { points } = benchPoints(`h${Date.now()}`, nSingle);
      await vmSettled();
      results.http.push(await postAll(writer, validatedEvents(points.slice(0, nHttp), 1), nHttp));
      await vmSettled();
      results.httpPacks.push(await postAll(writer, validatedEvents(points, PACK), nSingle));
      say(`HTTP path run ${run + 1}: one reading per event ${Math.round(results.http.at(-1))} points/s, in events of ${PACK} ${Math.round(results.httpPacks.at(-1))} points/s`);
    }
  } finally {
    await admin.disconnect();
    await writer.stop();
  }
  const c = stats(results.ceiling);
  const k = stats(results.kiot);
  const a = stats(results.client);
  const pk = stats(results.packs);
  const rp = stats(results.replicas);
  const st = stats(results.stages);
  const ss = stats(results.stagesSingle);
  const h = stats(results.http);
  const hp = stats(results.httpPacks);
  out.figures = { points: n, pointsOnePerRecord: nSingle, ceiling: c, kafkaDirect: k, kafkajsAlone: a, packs: pk, ratio: round(k.median / c.median), packsRatio: round(pk.median / c.median), replicas: rp, replicasRatio: round(rp.median / c.median), stages: st, stagesSingle: ss, http: h, httpPacks: hp };
  const verdict = (ratio) => (ratio >= 0.9 ? 'met' : `missed by ${round(0.9 - ratio)}`);
  out.table.push('| path | points/s | ratio to the ceiling (target ≥ 0.9 for Kafka-direct) |', '|---|---|---|');
  out.table.push(`| line protocol straight to VictoriaMetrics, 5,000 lines/request, gzip level 1 as the writer sends it (ceiling) | ${c.median} [${c.min}–${c.max}] | — |`);
  out.table.push(`| Kafka-direct writer (kafkajs → batches → VictoriaMetrics), one reading per record, ${nSingle} readings | ${k.median} [${k.min}–${k.max}] | ${out.figures.ratio} (${verdict(out.figures.ratio)}) |`);
  out.table.push(`| the same points in records of ${PACK} readings (SenML packs from batching devices) | ${pk.median} [${pk.min}–${pk.max}] | ${out.figures.packsRatio} (${verdict(out.figures.packsRatio)}) |`);
  out.table.push(`| the same records of ${PACK}, ${REPLICAS} consumer replicas in one group (the Deployment scaled to ${REPLICAS}) | ${rp.median} [${rp.min}–${rp.max}] | ${out.figures.replicasRatio} (${verdict(out.figures.replicasRatio)}) |`);
  out.table.push(`| for reference: the records of ${PACK} in the Broker's own topic, each beside the raw and converted events of the same readings (what the kafka overlay's consumer reads), one replica | ${st.median} [${st.min}–${st.max}] | ${round(st.median / c.median)} |`);
  out.table.push(`| for reference: one reading per record in the Broker's own topic, each validated event beside its raw and converted events (unbatched devices under the kafka overlay), one replica, ${nStagesSingle} readings | ${ss.median} [${ss.min}–${ss.max}] | ${round(ss.median / c.median)} |`);
  out.table.push(`| for reference: kafkajs alone (as the consumer bundles it, in a process of its own), reading the same records and discarding them (the client's bound) | ${a.median} [${a.min}–${a.max}] | ${round(a.median / c.median)} |`);
  out.table.push(`| HTTP path: the influx-writer function, one reading per event, ${CONNECTIONS} deliveries at once as a broker pushes them | ${h.median} [${h.min}–${h.max}] | ${round(h.median / c.median)} |`);
  out.table.push(`| HTTP path, events of ${PACK} readings | ${hp.median} [${hp.min}–${hp.max}] | ${round(hp.median / c.median)} |`);
  const p = summariseLatest(prof);
  if (p) out.notes.push(`Kafka-direct misses its target; CPU profile of the consumer in an extra run (bench/results/profiles/kafka-direct, ${p.busyMs} ms busy): hottest frames ${p.self.join(', ')}; inclusive in kiot code: ${p.kiot.join(', ')}.`);
  const pp = out.figures.packsRatio < 0.9 ? summariseLatest(profPacks) : undefined;
  if (pp) out.notes.push(`In packs of ${PACK} it misses too; CPU profile of the consumer (bench/results/profiles/kafka-direct-packs, ${pp.busyMs} ms busy): hottest frames ${pp.self.join(', ')}; inclusive in kiot code: ${pp.kiot.join(', ')}.`);
  const cc = medians(cpu.ceiling);
  const cp = medians(cpu.packs);
  const cr = medians(cpu.replicas);
  out.figures.cpuPerPointUs = { ceiling: cc, packs: cp, replicas: cr };
  if (cc.machine > 0 && cp.machine > 0) {
    const cores = availableParallelism();
    const bound = (cores * 1e6) / cp.machine;
    // What the consumer may spend per point at 0.9 of the ceiling, the other processes' CPU as measured.
    const allowed = round((cores * 1e6) / (0.9 * c.median) - (cp.machine - (cp.consumer ?? 0)));
    out.notes.push(`CPU per point in µs over the measured span: the ceiling costs the whole machine ${cc.machine} (VictoriaMetrics ${cc.victoriaMetrics ?? '?'}, the bench's own gzip and requests ${cc.bench}); records of ${PACK} cost ${cp.machine} (the consumer process ${cp.consumer}, VictoriaMetrics ${cp.victoriaMetrics ?? '?'}, Kafka ${cp.kafka ?? '?'}). Even with all ${cores} cores busy, that CPU bounds the path at ${Math.round(bound)} points/s, ${round(bound / c.median)} of the ceiling: ${bound / c.median >= 0.9 ? `room for 0.9 with the consumer's CPU per point up to about ${allowed} µs (it spends ${cp.consumer})` : `reaching 0.9 needs the consumer's CPU per point cut to about ${allowed} µs`}.`);
    if (cr.machine > 0) out.notes.push(`${REPLICAS} replicas: a consumer process is single-threaded, so one leaves part of the machine idle (records of ${PACK} kept ${round((pk.median * cp.machine) / 1e6)} of ${cores} cores busy); ${REPLICAS} in one group kept ${round((rp.median * cr.machine) / 1e6)} busy, at ${cr.machine} µs per point for the machine (the consumers ${cr.consumer}, VictoriaMetrics ${cr.victoriaMetrics ?? '?'}, Kafka ${cr.kafka ?? '?'}). Their rate runs from the last rebalance (every replica holding its partitions) to the last batch written, over the points written in that span. Replicas beyond the topic's partitions (${PARTITIONS} here, as the Knative Kafka broker creates it) would sit idle.`);
  }
  out.notes.push(`One reading per record, as an unbatched device produces them: the consumer runs at ${round(k.median / a.median)} of what kafkajs alone reads, so at one point per record the target needs a faster Kafka client than kafkajs on this machine.`);
  out.notes.push(`HTTP path: the influx-writer function started as its container starts it (npm start), answering each event only once its points are written (it gathers the points of concurrent events into one write); ${nHttp} points one per event, and ${nSingle} in events of ${PACK}, posted in binary mode by a load generator in its own process. Each request carries one event (the broker's push), which is why the Kafka-direct path exists.`);
  out.notes.push('Every measurement, the ceiling\'s and each path\'s, starts once VictoriaMetrics has no merge in progress and no rows pending (its /metrics): a merge left from the last one would slow the next.');
  out.notes.push(`${n} points (the ceiling's): ${n / PACK} validated.v1 records of ${PACK} readings, and the first ${nSingle} of them as records of one reading, produced as the Knative Kafka broker produces them into a topic of ${PARTITIONS} partitions, read from the beginning; the Kafka-direct rate runs from the consumer joining its group (partitions assigned) to the last batch written: fetching, decoding and writing, not the join protocol.`);
  return out;
}

/** records/s kafkajs delivers to an eachBatch that does nothing, in a process of its own (kafkajs-alone.mjs). */
async function kafkajsAlone(topic, groupId, n) {
  const { stdout } = await execFileAsync(process.execPath, [join(root, 'bench/scenarios/kafkajs-alone.mjs'), BROKERS.join(','), topic, groupId, String(n)], { timeout: 150_000 });
  return Number(stdout.trim());
}

/** n points of 50 devices named after `tag`, a second apart: as line protocol, and as readings. */
function benchPoints(tag, n) {
  const t0 = Date.parse('2026-06-01T00:00:00Z');
  const lines = [];
  const points = [];
  for (let i = 0; i < n; i++) {
    const device = `${tag}-d${Math.floor(i / PACK) % 50}`;
    const value = 20 + (i % 100) / 10;
    lines.push(`temperature,application=demo,channel=temperature,device=${device} temperature=${value} ${t0 + i * 1000}`);
    points.push({ device, time: new Date(t0 + i * 1000).toISOString(), value });
  }
  return { lines, points };
}

/** The points as validated.v1 events of `perRecord` readings each, as the validator emits them. */
function validatedEvents(points, perRecord) {
  const events = [];
  for (let i = 0; i < points.length; i += perRecord) {
    const group = points.slice(i, i + perRecord);
    const device = group[0].device;
    events.push(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: `kiot://demo/${device}`, subject: 'temperature', application: 'demo', device, partitionkey: `demo/${device}`, datacontenttype: 'application/json', data: { records: group.map((p) => ({ time: p.time, values: { temperature: p.value } })) } }));
  }
  return events;
}

/**
 * The Broker's own topic holds every stage's events: each validated event follows the raw event its
 * readings arrived in (a SenML pack) and the converter's converted event, which the writer skips.
 */
function stageEvents(points, perRecord) {
  return validatedEvents(points, perRecord).flatMap((v) => {
    const same = { source: v.source, subject: v.subject, application: v.application, device: v.device, partitionkey: v.partitionkey };
    const senml = v.data.records.map((r, i) => ({ ...(i === 0 ? { bn: `urn:dev:${v.device}:`, bt: Date.parse(r.time) / 1000 } : { t: i }), n: 'temperature', u: 'Cel', v: r.values.temperature }));
    return [
      new CloudEvent({ ...same, type: 'io.kiot.telemetry.raw.v1', datacontenttype: 'application/senml+json', data: senml }),
      new CloudEvent({ ...same, type: 'io.kiot.telemetry.converted.v1', datacontenttype: 'application/json', data: v.data }),
      v,
    ];
  });
}

/** Produces events as the Knative Kafka broker would: binary mode; `perRecord` readings in each, which bounds a request's size. */
async function produce(producer, topic, events, perRecord) {
  const messages = [];
  for (const ev of events) {
    const m = CE.binary(ev);
    messages.push({ key: m.key, value: JSON.stringify(m.value), headers: Object.fromEntries(Object.entries(m.headers).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])) });
  }
  // At most about 600 KB a request: the broker refuses a request above its 1 MB message.max.bytes.
  const per = Math.max(1, Math.floor(1000 / perRecord));
  for (let i = 0; i < messages.length; i += per) await producer.send({ topic, messages: messages.slice(i, i + per) });
}

/**
 * `replicas` kiot consumer processes in one group read a topic from the beginning until they wrote
 * `n` points; points/s from the moment the group settled (the last replica joined, partitions
 * assigned) to the last batch written, over the points written in that span, and the CPU per point
 * over the same span: the consumers' (summed as `consumer`), the services' and the whole machine's.
 */
async function consumeAll(topic, groupId, n, profileTo, services, replicas = 1) {
  let settled = 0;
  let first;
  let last = 0;
  let points = 0;
  let pointsAtSettled = 0;
  let cpu0;
  let cpu1;
  const consumers = await Promise.all(Array.from({ length: replicas }, () => startProcess({
    command: process.execPath, args: [...(profileTo ? ['--cpu-prof', `--cpu-prof-dir=${profileTo}`] : []), join(root, 'functions/influx-writer/build/consumer.js')], cwd: join(root, 'functions/influx-writer'),
    // Replicas heartbeat every 600 ms (a tenth of the session timeout), so a busy one hears of a rebalance soon.
    env: { KAFKA_BROKERS: BROKERS.join(','), KAFKA_TOPICS: topic, KAFKA_GROUP_ID: groupId, KAFKA_FROM_BEGINNING: 'true', INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot', CONSUMER_METRICS_PORT: '0', ...(replicas > 1 ? { KAFKA_SESSION_TIMEOUT_MS: '6000' } : {}) },
    probe: async () => true,
    // kafkajs leaves only after its fetch long-poll (5 s) returns; killed sooner, no profile is written.
    stopTimeoutMs: 15_000,
  })));
  const pids = { ...services, ...Object.fromEntries(consumers.map((c, i) => [`consumer${i}`, c.child.pid])) };
  const joinedOnce = new Set();
  for (const [i, consumer] of consumers.entries()) {
    // Whole log lines: one can arrive in two chunks.
    createInterface({ input: consumer.child.stdout }).on('line', (l) => {
      if (l.includes('joined group')) {
        joinedOnce.add(i);
        first ??= { at: performance.now(), cpu: cpuNow(pids) };
        // Every rebalance restarts the span: the rate is the settled group's.
        if (joinedOnce.size === replicas && points < n) {
          settled = performance.now();
          pointsAtSettled = points;
          cpu0 = cpuNow(pids);
        }
      }
      if (!l.includes('batch written')) return;
      last = performance.now();
      points += JSON.parse(l).points;
      if (points >= n && cpu1 === undefined) cpu1 = cpuNow(pids);
    });
  }
  const deadline = Date.now() + 120_000;
  while (points < n && Date.now() < deadline) await sleep(50);
  await Promise.all(consumers.map((c) => c.stop()));
  if (points < n) throw new Error(`the consumers wrote ${points} of ${n} points from ${topic}`);
  if (first === undefined) throw new Error('the consumers never reported joining their group');
  // A topic read before the last replica joined (the smoke run's few points): measured from the first join.
  if (settled === 0) [settled, pointsAtSettled, cpu0] = [first.at, 0, first.cpu];
  const counted = n - pointsAtSettled;
  const cpu = perPoint(cpu0, cpu1, counted);
  cpu.consumer = round(consumers.reduce((sum, _, i) => sum + cpu[`consumer${i}`], 0));
  return { rate: counted / (Math.max(1, last - settled) / 1000), cpu };
}
