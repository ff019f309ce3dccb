// Scenario 5: cold start (process start → first successful reply, as each builder's image starts
// the function) and RSS after N events, per function; hello-world beside them.
import { cannon, stats, rssKinds } from '../lib.mjs';
import { profileDir, summariseLatest, summariseStartup } from '../profile.mjs';
import { functionSpecs, REQUESTS, startBare, startFunction, startFunctionProfiled, startHelloAs, vmAvailable } from './targets.mjs';

export async function coldStart(s, say) {
  const out = { figures: {}, table: [], notes: [] };
  const sink = await startBare();
  try {
    const vm = await vmAvailable();
    const targets = [
      { name: 'hello (CloudEvent)', start: (how) => startHelloAs(how, REQUESTS.raw), request: REQUESTS.raw },
      ...functionSpecs(sink.url).filter((f) => !f.needsVm || vm).map((f) => ({ name: f.name, start: (how) => startFunction(f.name, f.env, f.request, how), profile: (dir) => startFunctionProfiled(f.name, f.env, f.request, dir), request: f.request })),
    ];
    for (const t of targets) {
      const starts = { paketo: [], npm: [] };
      let kinds;
      for (let i = 0; i < s.runs; i++) {
        for (const how of ['paketo', 'npm']) {
          const p = await t.start(how);
          starts[how].push(p.readyMs);
          if (i === 0 && how === 'paketo') {
            const r = await cannon({ url: p.url + (t.request.path ?? '/'), headers: t.request.headers, body: t.request.body, connections: 8, amount: s.events });
            kinds = rssKinds(p.child.pid);
            if (r.non2xx + r.errors > 0) out.notes.push(`${t.name}: ${r.non2xx + r.errors} of ${s.events} events failed during the RSS run`);
          }
          await p.stop();
        }
      }
      const rss = kinds?.rssMb ?? 0;
      out.figures[t.name] = { coldStartMs: stats(starts.paketo), coldStartNpmMs: stats(starts.npm), rssMb: rss, rssKinds: kinds };
      say(`${t.name}: first reply after ${out.figures[t.name].coldStartMs.median} ms as Paketo starts it, ${out.figures[t.name].coldStartNpmMs.median} ms through npm start; RSS ${rss} MB after ${s.events} events`);
      // A miss gets one more start under --cpu-prof (node run directly, as Paketo's start does), stopped after its first reply.
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
  const ms = (c, target) => `${c.median} [${c.min}–${c.max}]${target && c.median > 300 ? ` (missed by ${Math.round(c.median - 300)} ms)` : ''}`;
  out.table.push(`| function | cold start to first reply, ms, started as Paketo's image starts it (func.yaml's builder; target ≤ 300) | the same through npm start (the s2i builder) | RSS after ${s.events} events, MB (target ≤ 80) |`, '|---|---|---|---|');
  for (const [name, f] of Object.entries(out.figures)) {
    const kinds = f.rssKinds ? `: ${f.rssKinds.anonMb} anonymous (heap, malloc) + ${f.rssKinds.fileMb} mapped files (node binary, libraries)` : '';
    out.table.push(`| ${name} | ${ms(f.coldStartMs, true)} | ${ms(f.coldStartNpmMs, false)} | ${f.rssMb}${f.rssMb > 80 ? ` (missed by ${Math.round(f.rssMb - 80)} MB)` : ''}${kinds} |`);
  }
  out.notes.push('Cold start runs from process start to the first successful reply to the real request (polled every 5 ms), as each builder\'s image starts a function. func.yaml builds with pack: Paketo\'s npm-start buildpack writes the package\'s start script into the image and runs it with sh (paketo-buildpacks/npm-start, build.go), so no npm process starts; the s2i builder\'s run script runs `npm run start`, which adds npm\'s own start-up (the difference between the two columns). faas-js-runtime\'s loading is in both.');
  return out;
}
