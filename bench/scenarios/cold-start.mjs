// Scenario 5: cold start (process start → first successful reply, through `npm start` as the
// container runs it) and RSS after N events, per function; hello-world as the ceiling.
import { cannon, stats, rssKinds } from '../lib.mjs';
import { profileDir, summariseLatest, summariseStartup } from '../profile.mjs';
import { functionSpecs, REQUESTS, startBare, startFunction, startFunctionProfiled, startHello, startHelloNpm, vmAvailable } from './targets.mjs';

export async function coldStart(s, say) {
  const out = { figures: {}, table: [], notes: [] };
  const sink = await startBare();
  try {
    const vm = await vmAvailable();
    const targets = [{ name: 'hello (CloudEvent)', start: () => startHello(REQUESTS.raw), request: REQUESTS.raw }, { name: 'hello (CloudEvent) via npm start', start: () => startHelloNpm(REQUESTS.raw), request: REQUESTS.raw }, ...functionSpecs(sink.url).filter((f) => !f.needsVm || vm).map((f) => ({ name: f.name, start: () => startFunction(f.name, f.env, f.request), profile: (dir) => startFunctionProfiled(f.name, f.env, f.request, dir), request: f.request }))];
    for (const t of targets) {
      const starts = [];
      let kinds;
      for (let i = 0; i < s.runs; i++) {
        const p = await t.start();
        starts.push(p.readyMs);
        if (i === 0) {
          const r = await cannon({ url: p.url + (t.request.path ?? '/'), headers: t.request.headers, body: t.request.body, connections: 8, amount: s.events });
          kinds = rssKinds(p.child.pid);
          if (r.non2xx + r.errors > 0) out.notes.push(`${t.name}: ${r.non2xx + r.errors} of ${s.events} events failed during the RSS run`);
        }
        await p.stop();
      }
      const rss = kinds?.rssMb ?? 0;
      out.figures[t.name] = { coldStartMs: stats(starts), rssMb: rss, rssKinds: kinds };
      say(`${t.name}: first reply after ${out.figures[t.name].coldStartMs.median} ms, RSS ${rss} MB after ${s.events} events`);
      // A miss gets one more start under --cpu-prof (node run directly: npm's share is the hello rows' difference), stopped after its first reply.
      if (t.profile && s.runs > 1 && out.figures[t.name].coldStartMs.median > 300) {
        const dir = profileDir(`cold-start-${t.name}`, { fresh: true });
        const p = await t.profile(dir);
        await p.stop();
        const fn = summariseLatest(dir, summariseStartup);
        if (fn) out.notes.push(`${t.name} misses its cold-start target; CPU profile of one more start (bench/results/profiles/cold-start-${t.name}, first reply after ${Math.round(p.readyMs)} ms): busy ${fn.busyMs} ms; by owner: ${fn.origins.join(', ')}.`);
      }
    }
  } finally {
    await sink.stop();
  }
  out.table.push(`| function | cold start to first reply, ms (target ≤ 300) | RSS after ${s.events} events, MB (target ≤ 80) |`, '|---|---|---|');
  for (const [name, f] of Object.entries(out.figures)) {
    const c = f.coldStartMs;
    const cs = `${c.median} [${c.min}–${c.max}]${c.median > 300 ? ` (missed by ${Math.round(c.median - 300)} ms)` : ''}`;
    const kinds = f.rssKinds ? `: ${f.rssKinds.anonMb} anonymous (heap, malloc) + ${f.rssKinds.fileMb} mapped files (node binary, libraries)` : '';
    out.table.push(`| ${name} | ${cs} | ${f.rssMb}${f.rssMb > 80 ? ` (missed by ${Math.round(f.rssMb - 80)} MB)` : ''}${kinds} |`);
  }
  out.notes.push('Cold start includes `npm start` itself (the s2i builder and Paketo start a function through its start script) and faas-js-runtime loading; measured by polling with the real request every 5 ms. The hello-world ceiling is shown both started directly and through `npm start`: the difference is npm\'s own cost, which every function pays.');
  return out;
}
