/**
 * A POST's bytes: the request line, the caller's headers, Host and Content-Length. A header that
 * could split the request (CR, LF, other controls) or that framing owns is refused before anything
 * is sent, as node:http and undici refuse it.
 */
/** An HTTP token (RFC 9110 §5.6.2): what a header name is made of. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Set here from the URL and the body; a caller's own would frame the request differently from what is sent. */
const OWNED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer']);

/** Names already found fit to send: kiot sends the same few dozen over and over. Bounded, as extensions' names come from devices. */
const FIT_NAMES = new Set<string>();
const FIT_NAMES_MAX = 512;

export class InvalidRequest extends Error {}

/** Header lines made fit to send by their owner ("name: value\r\n" each, every one through headerLine or as safe). */
export class HeaderLines {
  constructor(readonly text: string) {}
}

/** A header name refused unless it is a token the transport does not own. */
export function fitName(name: string): void {
  if (FIT_NAMES.has(name)) return;
  if (!TOKEN.test(name)) throw new InvalidRequest(`not a header name: ${JSON.stringify(name)}`);
  if (OWNED.has(name.toLowerCase())) throw new InvalidRequest(`the ${name} header is set by the transport`);
  if (FIT_NAMES.size < FIT_NAMES_MAX) FIT_NAMES.add(name);
}

/** One header's line, its name and value checked. */
export function headerLine(name: string, value: string): string {
  fitName(name);
  if (UNSAFE_VALUE.test(value)) throw new InvalidRequest(`the ${name} header's value has a character a header cannot carry`);
  return `${name}: ${value}\r\n`;
}

export function postBytes(url: URL, headers: Readonly<Record<string, string>> | HeaderLines, body: string | Buffer | undefined): Buffer {
  const data = body === undefined ? EMPTY : typeof body === 'string' ? Buffer.from(body) : body;
  let head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  if (headers instanceof HeaderLines) head += headers.text;
  else for (const name in headers) head += headerLine(name, headers[name]!);
  head += `content-length: ${data.length}\r\n\r\n`;
  if (data.length === 0) return Buffer.from(head, 'latin1');
  // One buffer for head and body: the connection writes many requests in one go. Every character of the head is
  // one latin1 byte: the URL's are ASCII, and the headers' were checked.
  const out = Buffer.allocUnsafe(head.length + data.length);
  out.write(head, 0, 'latin1');
  out.set(data, head.length);
  return out;
}

const EMPTY = Buffer.alloc(0);
