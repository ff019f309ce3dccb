/** The step's logic: pure, no I/O. Replace it with what the step is for. */
export function step(data: unknown): { received: unknown; processedAt: string } {
  return { received: data, processedAt: new Date().toISOString() };
}
