// Scenario 1: each function through faas-js-runtime: events/s and p50/p99, as a ratio to a
// hello-world faas-js-runtime function (and, for reference, a bare node:http server), same run.
import { availableParallelism } from 'node:os';
import { cannon, cpuNow, cpuPerUnit, medians, nodePid, stats, round } from '../lib.mjs';
import { functionSpecs, REQUESTS, startBare, startFunction, startHello, vmAvailable } from './targets.mjs';
import { profileFunction } from '../profile.mjs';

/** `pids`: processes whose CPU per request (µs, from /proc) each run records, beside the whole machine's. */
async function measure(url, request, s, pids) {
  const runs = [];
  const load = (duration) => cannon({ url: url + (request.path ?? '/'), headers: request.headers, body: request.body, connections: s.connections, duration });
  await load(1); // warm-up
  for (let i = 0; i < s.runs; i++) {
    const c0 = cpuNow(pids);
    const r = await load(s.duration);
    runs.push({ ...r, cpu: cpuPerUnit(c0, cpuNow(pids), Math.max(1, r.total)) });
  }
  const bad = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
  return { rps: stats(runs.map((r) => r.rps)), p50: stats(runs.map((r) => r.p50)), p99: stats(runs.map((r) => r.p99)), failed: bad, cpu: medians(runs.map((r) => r.cpu)) };
}

/** The function's own node process (under npm and sh when started as its container starts it), and the sink's. */
const pidsOf = (p, sink) => ({ function: nodePid(p.child.pid), sink: nodePid(sink.child.pid) });

// Reference, not a target's ceiling: hello-world that hands each request to the sink before answering.
const FORWARDING = 'hello (HTTP) forwarding to the sink';
// The same two, pipelined as the local stack sets it for its embedded broker (INGEST_SINK_PIPELINING), which like this sink answers at once.
const PIPELINING = 16;
const FORWARDING_PIPELINED = `${FORWARDING}, pipelined ${PIPELINING} deep`;
const INGEST_PIPELINED = `http-ingest, INGEST_SINK_PIPELINING=${PIPELINING}`;
const REFERENCES = new Set([FORWARDING, FORWARDING_PIPELINED]);

export async function perFunction(s, say) {
  const out = { figures: {}, table: [], notes: [] };
  const sink = await startBare();
  try {
    const ceilings = {};
    for (const [label, request, start] of [['bare node:http', REQUESTS.plain, () => startBare()], ['hello (HTTP)', REQUESTS.plain, () => startHello(REQUESTS.plain)], ['hello (CloudEvent)', REQUESTS.raw, () => startHello(REQUESTS.raw)], [FORWARDING, REQUESTS.plain, () => startHello(REQUESTS.plain, { HELLO_FORWARD: sink.url })], [FORWARDING_PIPELINED, REQUESTS.plain, () => startHello(REQUESTS.plain, { HELLO_FORWARD: sink.url, FORWARD_PIPELINING: String(PIPELINING) })]]) {
      const p = await start();
      try {
        ceilings[label] = await measure(p.url, request, s, pidsOf(p, sink));
        say(`${label}: ${ceilings[label].rps.median} req/s`);
      } finally {
        await p.stop();
      }
    }
    out.figures.ceilings = ceilings;
    const vm = await vmAvailable();
    const specs = functionSpecs(sink.url);
    const ingestSpec = specs.find((f) => f.name === 'http-ingest');
    for (const spec of [...specs, { ...ingestSpec, label: INGEST_PIPELINED, env: { ...ingestSpec.env, INGEST_SINK_PIPELINING: String(PIPELINING) } }]) {
      const label = spec.label ?? spec.name;
      if (spec.needsVm && !vm) { out.notes.push(`${spec.name}: skipped, VictoriaMetrics is not running (scripts/services/start)`); continue; }
      const p = await startFunction(spec.name, spec.env, spec.request);
      try {
        const m = await measure(p.url, spec.request, s, pidsOf(p, sink));
        const ceiling = ceilings[spec.ceiling];
        out.figures[label] = { ...m, ceiling: spec.ceiling, ratio: round(m.rps.median / ceiling.rps.median), ratioToBare: round(m.rps.median / ceilings['bare node:http'].rps.median) };
        say(`${label}: ${m.rps.median} req/s, ratio ${out.figures[label].ratio} of ${spec.ceiling}, p99 ${m.p99.median} ms${m.failed ? `, ${m.failed} failed requests` : ''}`);
      } finally {
        await p.stop();
      }
    }
    // Where a figure misses its target, a CPU profile under the same load names where the time goes.
    if (s.runs > 1) {
      for (const spec of functionSpecs(sink.url)) {
        const f = out.figures[spec.name];
        if (!f || f.ratio >= 0.8) continue;
        const prof = await profileFunction(spec.name, spec.env, spec.request, 5);
        if (!prof) continue;
        f.profile = prof;
        out.notes.push(`${spec.name} misses its target; CPU profile (bench/results/profiles/${spec.name}): hottest frames ${prof.self.join(', ')}; inclusive in kiot code: ${prof.kiot.join(', ')}.`);
        say(`${spec.name}: profiled (${prof.busyMs} ms busy)`);
      }
    }
  } finally {
    await sink.stop();
  }
  const fmt = (x) => `${x.median} [${x.min}–${x.max}]`;
  out.table.push('| target | req/s | p50 ms | p99 ms | ratio to ceiling (target ≥ 0.8) | ratio to bare node:http | failed |', '|---|---|---|---|---|---|---|');
  for (const [label, c] of Object.entries(out.figures.ceilings)) out.table.push(`| ${label} (${REFERENCES.has(label) ? 'reference' : 'ceiling'}) | ${fmt(c.rps)} | ${fmt(c.p50)} | ${fmt(c.p99)} | — | ${round(c.rps.median / out.figures.ceilings['bare node:http'].rps.median)} | ${c.failed} |`);
  for (const [name, f] of Object.entries(out.figures)) {
    if (name === 'ceilings') continue;
    const verdict = f.ratio >= 0.8 ? 'met' : `missed by ${round(0.8 - f.ratio)}`;
    out.table.push(`| ${name} | ${fmt(f.rps)} | ${fmt(f.p50)} | ${fmt(f.p99)} | ${f.ratio} of ${f.ceiling} (${verdict}) | ${f.ratioToBare} | ${f.failed} |`);
  }
  const ingest = out.figures['http-ingest'];
  const hello = out.figures.ceilings['hello (HTTP)'];
  const forwarding = out.figures.ceilings[FORWARDING];
  if (ingest && hello.cpu.function > 0 && forwarding.cpu.function > 0 && ingest.cpu.function > 0) {
    // A function is one Node process, one thread: at 0.8 of hello it has one core's time for each request, whatever the other core does.
    const allowance = round(1e6 / (0.8 * hello.rps.median));
    out.figures.cpuPerRequestUs = { hello: hello.cpu, forwarding: forwarding.cpu, ingest: ingest.cpu, allowance };
    out.notes.push(`CPU per request in µs, from /proc over each run (median), in the function's process: hello (HTTP) ${hello.cpu.function}, hello forwarding to the sink ${forwarding.cpu.function} (the sink ${forwarding.cpu.sink}), http-ingest ${ingest.cpu.function} (the sink ${ingest.cpu.sink}); the whole machine per request: ${hello.cpu.machine}, ${forwarding.cpu.machine} and ${ingest.cpu.machine} on ${availableParallelism()} cores. A function runs on one thread, so at 0.8 of hello it could spend at most ${allowance} µs of CPU per request: ${forwarding.cpu.function > allowance ? `hello-world already spends ${forwarding.cpu.function} once it hands each request on as kiot does (kiot's own HTTP client, one request per connection), so on this runtime a function that answers only after the sink accepted cannot reach the target, whatever its own work costs` : `the forward leaves ${round(allowance - forwarding.cpu.function)} µs for http-ingest's own work, which takes ${round(ingest.cpu.function - forwarding.cpu.function)}`}.`);
    const [fp, ip] = [out.figures.ceilings[FORWARDING_PIPELINED], out.figures[INGEST_PIPELINED]];
    if (fp && ip) {
      out.figures.cpuPerRequestUs.pipelined = { forwarding: fp.cpu, ingest: ip.cpu };
      out.notes.push(`Pipelined ${PIPELINING} deep (a sink that answers at once, as the local stack's embedded broker): hello forwarding spends ${fp.cpu.function} µs per request (the sink ${fp.cpu.sink}), http-ingest ${ip.cpu.function} (the sink ${ip.cpu.sink}), against the ${allowance} that 0.8 of hello allows.`);
    }
  }
  if (ingest && ingest.ratio < 0.8) out.notes.push(`http-ingest does ${round(ingest.rps.median / out.figures.ceilings[FORWARDING].rps.median)} of what hello-world does when it too hands each request to the same sink (${out.figures.ceilings[FORWARDING].rps.median} req/s): one more HTTP exchange per request, with the sink on the same 2 cores, is most of the distance to the hello (HTTP) ceiling.`);
  out.notes.push('Load: autocannon in its own process, keep-alive connections on loopback; the function and the load generator share the 2 cores.');
  out.notes.push('http-ingest forwards every request to a bare node:http sink answering 202 (another process), with Basic auth on (scrypt verified once, then cached).');
  out.notes.push('kiot functions start through their start entry (build/start.js), whose runtime (build/runtime.js) inlines faas-js-runtime with cloudevents\' JSON parser made lazy about errors (scripts/build.mjs): the stock runtime builds two unthrown ValidationErrors per parse and parses each event twice, about 30% of a CloudEvent function\'s CPU. The hello-world ceilings run the stock runtime, so CloudEvent functions can exceed 1.');
  return out;
}
