/**
 * Deterministic random numbers for generated test cases (a linear congruential generator), so a
 * failing case can be replayed from its seed.
 */

/** Numbers in [0, 1). */
export function rng(seed: number): () => number {
  let x = seed || 1;
  return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

/** Whole numbers below the bound asked for, from the generator's high bits (its low bits repeat in short cycles). */
export function integers(seed: number): (below: number) => number {
  const r = rng(seed);
  return (below) => Math.floor(r() * below);
}
