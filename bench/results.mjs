// The results files (bench/results/latest.{json,md}): what a run keeps of the last one, and the markdown.

/**
 * `current` with what `previous` (the last run of the same mode) still has to say: with `only`, the
 * scenarios this run did not measure; always, the figures of a scenario that failed this time (a
 * service not started, say), marked with the failure, so committed results never lose a measurement
 * to a run that could not make one. Kept scenarios say when they were measured.
 */
export function mergeResults(previous, current, only) {
  if (previous === undefined) return current;
  const when = (sc) => sc.measuredAt ?? previous.environment.date;
  const scenarios = {};
  for (const name of new Set([...Object.keys(previous.scenarios), ...Object.keys(current.scenarios)])) {
    const before = previous.scenarios[name];
    const now = current.scenarios[name];
    if (now === undefined) {
      if (only) scenarios[name] = { ...before, measuredAt: when(before) };
    } else if (now.error !== undefined && before !== undefined && before.error === undefined) {
      scenarios[name] = { ...before, measuredAt: when(before), failedNow: now.error };
    } else scenarios[name] = now;
  }
  return { ...current, scenarios };
}

export function markdown(r) {
  const e = r.environment;
  const lines = [`# kiot benchmark results (${r.mode})`, '', `${e.date} · ${e.cpu} · ${e.cores} cores · Node ${e.node}`, '', 'Each figure: median of the runs [min–max]. Ratios are against a ceiling measured in the same run.', ''];
  for (const [name, s] of Object.entries(r.scenarios)) {
    lines.push(`## ${name}`, '');
    if (s.failedNow !== undefined) lines.push(`This run failed here (${s.failedNow}): the figures are those measured ${s.measuredAt}.`, '');
    else if (s.measuredAt !== undefined) lines.push(`Measured ${s.measuredAt}, in an earlier run (\`--only\` re-measured the others).`, '');
    if (s.error) { lines.push(`failed: ${s.error}`, ''); continue; }
    lines.push(...s.table, '');
    if (s.notes?.length) lines.push(...s.notes.map((n) => `- ${n}`), '');
  }
  return `${lines.join('\n')}\n`;
}
