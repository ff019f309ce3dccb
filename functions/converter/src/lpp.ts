/**
 * Cayenne LPP: `[channel][type][value]…`, big-endian, each value named `<type>_<channel>`.
 * The whole type table of the original specification and of the extended implementations.
 */
import type { Value } from '@kiot/core';

type Read = (b: Buffer, o: number) => Value;

const int = (bytes: number, signed: boolean, scale: number): Read => (b, o) => {
  let v = 0;
  for (let i = 0; i < bytes; i++) v = v * 256 + b[o + i]!;
  if (signed && v >= 2 ** (8 * bytes - 1)) v -= 2 ** (8 * bytes);
  return Math.round(v * scale * 1e6) / 1e6;
};

const xyz = (scale: number): Read => (b, o) => ({ x: int(2, true, scale)(b, o), y: int(2, true, scale)(b, o + 2), z: int(2, true, scale)(b, o + 4) });

export const LPP_TYPES: Readonly<Record<number, { name: string; size: number; read: Read }>> = {
  0: { name: 'digital_input', size: 1, read: int(1, false, 1) },
  1: { name: 'digital_output', size: 1, read: int(1, false, 1) },
  2: { name: 'analog_input', size: 2, read: int(2, true, 0.01) },
  3: { name: 'analog_output', size: 2, read: int(2, true, 0.01) },
  100: { name: 'generic_sensor', size: 4, read: int(4, false, 1) },
  101: { name: 'illuminance', size: 2, read: int(2, false, 1) },
  102: { name: 'presence', size: 1, read: int(1, false, 1) },
  103: { name: 'temperature', size: 2, read: int(2, true, 0.1) },
  104: { name: 'humidity', size: 1, read: int(1, false, 0.5) },
  113: { name: 'accelerometer', size: 6, read: xyz(0.001) },
  115: { name: 'barometer', size: 2, read: int(2, false, 0.1) },
  116: { name: 'voltage', size: 2, read: int(2, false, 0.01) },
  117: { name: 'current', size: 2, read: int(2, false, 0.001) },
  118: { name: 'frequency', size: 4, read: int(4, false, 1) },
  120: { name: 'percentage', size: 1, read: int(1, false, 1) },
  121: { name: 'altitude', size: 2, read: int(2, true, 1) },
  125: { name: 'concentration', size: 2, read: int(2, false, 1) },
  128: { name: 'power', size: 2, read: int(2, false, 1) },
  130: { name: 'distance', size: 4, read: int(4, false, 0.001) },
  131: { name: 'energy', size: 4, read: int(4, false, 0.001) },
  132: { name: 'direction', size: 2, read: int(2, false, 1) },
  133: { name: 'unixtime', size: 4, read: int(4, false, 1) },
  134: { name: 'gyrometer', size: 6, read: xyz(0.01) },
  135: { name: 'colour', size: 3, read: (b, o) => ({ r: b[o]!, g: b[o + 1]!, b: b[o + 2]! }) },
  136: { name: 'gps', size: 9, read: (b, o) => ({ latitude: int(3, true, 0.0001)(b, o), longitude: int(3, true, 0.0001)(b, o + 3), altitude: int(3, true, 0.01)(b, o + 6) }) },
  142: { name: 'switch', size: 1, read: int(1, false, 1) },
};

export class LppError extends Error {}

export function decodeLpp(payload: Buffer): Record<string, Value> {
  if (payload.length === 0) throw new LppError('lpp: empty payload');
  const out: Record<string, Value> = {};
  let o = 0;
  while (o < payload.length) {
    if (o + 2 > payload.length) throw new LppError(`lpp: record cut short at offset ${o}`);
    const channel = payload[o]!;
    const type = LPP_TYPES[payload[o + 1]!];
    if (!type) throw new LppError(`lpp: unknown type 0x${payload[o + 1]!.toString(16).padStart(2, '0')} at offset ${o + 1}`);
    if (o + 2 + type.size > payload.length) throw new LppError(`lpp: ${type.name} cut short at offset ${o}`);
    const key = `${type.name}_${channel}`;
    // A reading keyed by channel and type: a second one would overwrite the first.
    if (key in out) throw new LppError(`lpp: channel ${channel} has two ${type.name} readings (offset ${o}); one would overwrite the other`);
    out[key] = type.read(payload, o + 2);
    o += 2 + type.size;
  }
  return out;
}
