/**
 * What a name turns into, remembered: header and attribute names are met on every event, and making
 * them anew cost each event tenths of a microsecond. The names can come from devices and records, so
 * at most `max` are kept; past that the memory starts over.
 */
export function remembered<V>(max: number, make: (key: string) => V): (key: string) => V {
  const known = new Map<string, V>();
  return (key) => {
    const v = known.get(key);
    if (v !== undefined || known.has(key)) return v as V;
    const made = make(key);
    if (known.size >= max) known.clear();
    known.set(key, made);
    return made;
  };
}
