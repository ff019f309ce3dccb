/** ISO-8601 durations as Knative delivery specs use them (PT0.5S, PT10S, P1D). */
const ISO_DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds, or undefined when the text is not an ISO-8601 duration. */
export function parseDuration(text: string): number | undefined {
  const m = ISO_DURATION.exec(text);
  if (!m) return undefined;
  const [, y, mo, w, d, h, mi, s] = m.map((x) => (x === undefined ? 0 : Number(x))) as number[];
  const days = y! * 365 + mo! * 30 + w! * 7 + d!;
  return Math.round((((days * 24 + h!) * 60 + mi!) * 60 + s!) * 1000);
}
