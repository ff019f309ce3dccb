/**
 * A v5 PUBLISH's properties as bytes, checked before mqtt-packet reads them. The parser reads each
 * property at its own length whatever the Property Length said, so properties that run past it are
 * read on into the payload, and a Property Length past them takes the payload's first bytes as
 * properties: the reading forwarded is no longer the one sent (MQTT 5 2.2.2.1 makes either a
 * Malformed Packet). It also overwrites a property given twice whose first value is 0, which the
 * check on parsed properties (properties.ts) cannot see.
 */
import { properties, propertiesCodes, propertiesTypes } from 'mqtt-packet/constants';
import { REASON } from './publish';

type Layout = (typeof propertiesTypes)[string];

/** Every property identifier MQTT 5 has (2.2.2.2), by how its value is laid out: mqtt-packet's own tables. */
const LAYOUT: ReadonlyMap<number, Layout> = new Map(Object.entries(propertiesCodes).map(([id, name]) => [Number(id), propertiesTypes[name]!]));

/** User Property: the only one a client may give more than once. */
const USER_PROPERTY = properties['userProperties'];

export interface BytesProblem {
  readonly reason: number;
  readonly message: string;
}

const malformed = (message: string): BytesProblem => ({ reason: REASON.malformed, message });

/** A Variable Byte Integer at `at`: its value and where it ends; undefined past `end` or past 4 bytes. */
function varint(b: Buffer, at: number, end: number): { readonly value: number; readonly next: number } | undefined {
  let value = 0;
  for (let i = 0, mult = 1; i < 4 && at + i < end; i++, mult *= 128) {
    const byte = b[at + i]!;
    value += (byte & 0x7f) * mult;
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return undefined;
}

/** Where the value of a property laid out as `layout` at `at` ends (it may be past `end`); undefined when its length cannot be read. */
function valueEnd(b: Buffer, at: number, end: number, layout: Layout): number | undefined {
  switch (layout) {
    case 'byte':
    case 'int8': return at + 1;
    case 'int16': return at + 2;
    case 'int32': return at + 4;
    case 'var': return varint(b, at, end)?.next;
    case 'string':
    case 'binary': return at + 2 > end ? undefined : at + 2 + b.readUInt16BE(at);
    case 'pair': {
      const name = valueEnd(b, at, end, 'string');
      return name === undefined ? undefined : valueEnd(b, name, end, 'string');
    }
  }
}

/** Why the properties whose Property Length is at `at` of a packet ending at `end` are not as MQTT 5 lays them out; undefined when they are. */
export function propertyBytesProblem(b: Buffer, at: number, end: number): BytesProblem | undefined {
  const length = varint(b, at, end);
  if (length === undefined) return malformed('property length cut short');
  if (length.value === 0) return undefined;
  const last = length.next + length.value;
  if (last > end) return malformed('property length past the end of the packet');
  const seen = new Set<number>();
  for (let i = length.next; i < last;) {
    const id = b[i]!;
    const layout = LAYOUT.get(id);
    if (layout === undefined) return malformed(`unknown property 0x${id.toString(16)}`);
    if (id !== USER_PROPERTY) {
      if (seen.has(id)) return { reason: REASON.protocolError, message: `property 0x${id.toString(16)} given more than once` };
      seen.add(id);
    }
    const next = valueEnd(b, i + 1, last, layout);
    if (next === undefined || next > last) return malformed('a property runs past the property length');
    i = next;
  }
  return undefined;
}
