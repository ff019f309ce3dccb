/**
 * An event's data as the console keeps and shows it: bytes as their text when they are printable
 * UTF-8 (a device's payload that is not JSON, or JSON that does not parse), else as base64 (LPP and
 * other binary payloads), instead of JSON's `{"type":"Buffer","data":[…]}`; anything above the limit
 * is cut to a preview, and data nested too deep to write out is named as such.
 */
import { isUtf8 } from 'node:buffer';
import { nestsDeeperThan, TOO_DEEP } from '@kiot/core';

/** Whether the bytes hold a control character other than tab, newline and carriage return: then they are no text. */
function hasControl(bytes: Buffer): boolean {
  for (const b of bytes) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return true;
  return false;
}

export function shown(data: unknown, maxBytes: number): unknown {
  const view = data instanceof Uint8Array ? bytesView(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) : data;
  // JSON.stringify overflows the stack on such data: the console says so instead of failing (a 500 the broker retries).
  if (nestsDeeperThan(view)) return { truncated: true, reason: `data ${TOO_DEEP}` };
  const json = JSON.stringify(view ?? null);
  if (json.length <= maxBytes) return view;
  return { truncated: true, preview: json.slice(0, maxBytes) };
}

function bytesView(bytes: Buffer): unknown {
  return isUtf8(bytes) && !hasControl(bytes) ? bytes.toString('utf8') : { base64: bytes.toString('base64') };
}
