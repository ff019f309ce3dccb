/**
 * The PROXY protocol (HAProxy's, v1 text and v2 binary), for a load balancer that ends the TCP
 * connection itself and so hides each device's address: it sends the device's address first, and
 * the failure limit on CONNECTs keys on that instead of the balancer's. Parsing is proxy-protocol-js;
 * this file only finds where the header ends in the byte stream.
 */
import { isIP, type Socket } from 'node:net';
import { Command, IPv4ProxyAddress, IPv6ProxyAddress, V1ProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js';

const V2_SIGNATURE = Buffer.from('\r\n\r\n\0\r\nQUIT\n', 'binary');
const V1_SIGNATURE = Buffer.from('PROXY ');
/** The spec's longest v1 line, CRLF included. */
const V1_MAX = 107;

export class ProxyHeaderError extends Error {}

type Framed = { readonly header: Buffer; readonly rest: Buffer } | 'more';

/** The bytes so far agree with `signature` as far as both go (more may still come). */
function startsAs(buf: Buffer, signature: Buffer): boolean {
  const n = Math.min(buf.length, signature.length);
  return buf.subarray(0, n).equals(signature.subarray(0, n));
}

/** Where the header ends, once enough bytes are there; throws when they cannot start one. */
function frame(buf: Buffer): Framed {
  if (startsAs(buf, V2_SIGNATURE)) {
    if (buf.length < 16) return 'more';
    const end = 16 + buf.readUInt16BE(14);
    return buf.length < end ? 'more' : { header: buf.subarray(0, end), rest: buf.subarray(end) };
  }
  if (!startsAs(buf, V1_SIGNATURE)) throw new ProxyHeaderError('the connection does not begin with a PROXY protocol header');
  const crlf = buf.indexOf('\r\n');
  if (crlf === -1) {
    if (buf.length >= V1_MAX) throw new ProxyHeaderError('PROXY protocol v1 header longer than 107 bytes');
    return 'more';
  }
  return { header: buf.subarray(0, crlf + 2), rest: buf.subarray(crlf + 2) };
}

/** The source address a header names; undefined for a balancer's own connection (v2 LOCAL, v1 UNKNOWN). */
export function sourceAddress(header: Buffer): string | undefined {
  if (header[0] === 0x0d) {
    const v2 = V2ProxyProtocol.parse(new Uint8Array(header));
    if (v2.command === Command.LOCAL) return undefined;
    const a = v2.proxyAddress;
    if (a instanceof IPv4ProxyAddress) return a.sourceAddress.address.join('.');
    if (a instanceof IPv6ProxyAddress) {
      const words = Array.from({ length: 8 }, (_, i) => ((a.sourceAddress.address[2 * i]! << 8) | a.sourceAddress.address[2 * i + 1]!).toString(16));
      return words.join(':');
    }
    throw new ProxyHeaderError('PROXY protocol v2 header with no IP source address');
  }
  const text = header.toString('latin1');
  if (text.startsWith('PROXY UNKNOWN')) return undefined;
  let address: string;
  try {
    address = V1ProxyProtocol.parse(text).source.ipAddress;
  } catch {
    throw new ProxyHeaderError('malformed PROXY protocol v1 header');
  }
  if (isIP(address) === 0) throw new ProxyHeaderError('PROXY protocol v1 header with no IP source address');
  return address;
}

/**
 * Reads the header off a new connection, then leaves the socket paused with the bytes after the
 * header put back, for whoever reads it next (the MQTT session, or TLS). Rejects on a connection
 * that does not start with one, or sends none within `timeoutMs`.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (err: Error | undefined, address?: string): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (err) reject(err);
      else resolve(address);
    };
    const timer = setTimeout(() => done(new ProxyHeaderError(`no PROXY protocol header within ${timeoutMs} ms`)), timeoutMs);
    const onClose = (): void => done(new ProxyHeaderError('closed before its PROXY protocol header'));
    // Without a listener a reset connection's error would be thrown, and the endpoint would stop.
    const onError = (): void => done(new ProxyHeaderError('connection failed before its PROXY protocol header'));
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        const f = frame(buf);
        if (f === 'more') return;
        const address = sourceAddress(f.header);
        socket.pause();
        if (f.rest.length > 0) socket.unshift(f.rest);
        done(undefined, address);
      } catch (err) {
        done(err instanceof ProxyHeaderError ? err : new ProxyHeaderError(`malformed PROXY protocol header: ${(err as Error).message}`));
      }
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.on('error', onError);
  });
}
