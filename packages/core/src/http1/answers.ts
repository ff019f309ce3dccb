/**
 * HTTP/1.1 answers read off a connection as its bytes arrive (RFC 9112): the status line, the
 * headers, and a body framed by Content-Length, chunked coding, or the connection's close. Answers
 * come in the order the requests went out, so the reader only says where each one ends; which
 * request it answers is the connection's business (connection.ts).
 */

import { AnswerError, chunkSize, contentLength, readHead, type Head } from './head';

/** One final answer: interim (1xx) answers are read and passed over. */
export interface Answer {
  readonly status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** The server closes the connection after this answer: nothing more is read from it. */
  readonly close: boolean;
}

/** As node:http's default: a head past it is a broken or hostile server. */
const MAX_HEAD_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' | 'until-close' | 'done';

export class AnswerReader {
  private state: State = 'head';
  private pending: Buffer | undefined;
  private head: Head | undefined;
  private remaining = 0;
  private parts: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly onAnswer: (answer: Answer) => void,
    private readonly maxBodyBytes: number,
  ) {}

  /** Reads what arrived; throws AnswerError when it cannot be an answer. After an answer that closes, the rest is ignored. */
  feed(chunk: Buffer): void {
    const buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let at = 0;
    while (at < buf.length && this.state !== 'done') {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf(HEAD_END, at);
          if (end < 0 || end - at > MAX_HEAD_BYTES) {
            if (buf.length - at > MAX_HEAD_BYTES) throw new AnswerError(`an answer's head is over ${MAX_HEAD_BYTES} bytes`);
            this.pending = buf.subarray(at);
            return;
          }
          this.begin(readHead(buf.toString('latin1', at, end)));
          at = end + 4;
          break;
        }
        case 'length':
        case 'chunk-data': {
          const take = Math.min(this.remaining, buf.length - at);
          this.take(buf.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.state === 'length') this.finish();
            else this.state = 'chunk-end';
          }
          break;
        }
        case 'chunk-end':
          if (buf.length - at < 2) {
            this.pending = buf.subarray(at);
            return;
          }
          if (buf[at] !== 13 || buf[at + 1] !== 10) throw new AnswerError('a chunk does not end with CRLF');
          at += 2;
          this.state = 'chunk-size';
          break;
        case 'chunk-size':
        case 'trailer': {
          // The last chunk with no trailers, as nearly every chunked answer to a POST ends: read without making text of it.
          if (this.state === 'chunk-size' && buf.length - at >= 5 && buf[at] === 48 && buf[at + 1] === 13 && buf[at + 2] === 10 && buf[at + 3] === 13 && buf[at + 4] === 10) {
            at += 5;
            this.finish();
            break;
          }
          const end = buf.indexOf(CRLF, at);
          if (end < 0) {
            if (buf.length - at > MAX_HEAD_BYTES) throw new AnswerError(`a chunk line is over ${MAX_HEAD_BYTES} bytes`);
            this.pending = buf.subarray(at);
            return;
          }
          const line = buf.toString('latin1', at, end);
          at = end + 2;
          if (this.state === 'trailer') {
            if (line === '') this.finish();
          } else {
            this.remaining = chunkSize(line);
            this.state = this.remaining === 0 ? 'trailer' : 'chunk-data';
          }
          break;
        }
        case 'until-close':
          this.take(buf.subarray(at));
          at = buf.length;
          break;
      }
    }
  }

  /**
   * The connection ended. An answer whose body runs to the close is complete; true when nothing was
   * cut short (no answer begun and not finished).
   */
  end(): boolean {
    if (this.state === 'until-close') {
      this.finish();
      return true;
    }
    return this.state === 'done' || (this.state === 'head' && this.pending === undefined);
  }

  private begin(head: Head): void {
    // Interim answers (100 Continue, 103 Early Hints) precede the final one; 101 would change protocols, which no kiot request asks for.
    if (head.status === 101) throw new AnswerError('the server switched protocols unasked');
    if (head.status < 200) return;
    this.head = head;
    if (head.status === 204 || head.status === 304) return this.finish();
    const coding = head.headers['transfer-encoding'];
    const length = head.headers['content-length'];
    if (coding !== undefined) {
      // Chunked must be the last coding; any other framing runs to the close (RFC 9112 §6.3).
      this.state = coding === 'chunked' || /(?:^|,)\s*chunked\s*$/i.test(coding) ? 'chunk-size' : 'until-close';
    } else if (length !== undefined) {
      this.remaining = contentLength(length);
      if (this.remaining > this.maxBodyBytes) throw new AnswerError(`an answer's body is over ${this.maxBodyBytes} bytes`);
      if (this.remaining === 0) return this.finish();
      this.state = 'length';
    } else {
      this.state = 'until-close';
    }
  }

  private take(part: Buffer): void {
    if (part.length === 0) return;
    this.size += part.length;
    if (this.size > this.maxBodyBytes) throw new AnswerError(`an answer's body is over ${this.maxBodyBytes} bytes`);
    this.parts.push(part);
  }

  private finish(): void {
    const head = this.head!;
    const body = this.parts.length === 0 ? EMPTY : this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    const close = head.close || this.state === 'until-close';
    this.parts = [];
    this.size = 0;
    this.head = undefined;
    this.state = close ? 'done' : 'head';
    this.onAnswer({ status: head.status, headers: head.headers, body, close });
  }
}

const EMPTY = Buffer.alloc(0);
