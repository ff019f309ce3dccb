import { strict as assert } from 'node:assert';
import { AnswerReader, type Answer } from '../src/http1/answers';
import { AnswerError } from '../src/http1/head';
import { integers } from '../../../test/support/seeded';

/** What a reader makes of `wire`, fed in the pieces `cuts` splits it at, then ended when `end`. */
function read(wire: string | Buffer, cuts: number[] = [], end = false, maxBody = 1 << 20): { answers: Answer[]; whole: boolean | undefined } {
  const bytes = typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire;
  const answers: Answer[] = [];
  const reader = new AnswerReader((a) => answers.push(a), maxBody);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.feed(bytes.subarray(from, cut));
    from = cut;
  }
  return { answers, whole: end ? reader.end() : undefined };
}
const plain = (a: Answer) => ({ status: a.status, headers: a.headers, body: a.body.toString('latin1'), close: a.close });

describe('AnswerReader: HTTP/1.1 answers as they arrive', () => {
  it('reads a Content-Length body, lower-cases names, trims values and joins repeats', () => {
    const { answers } = read('HTTP/1.1 200 OK\r\nContent-Type:  application/json \r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 7\r\n\r\n{"a":1}');
    assert.deepEqual(answers.map(plain), [{ status: 200, headers: { 'content-type': 'application/json', 'set-cookie': 'a=1, b=2', 'content-length': '7' }, body: '{"a":1}', close: false }]);
  });

  it('reads a chunked body with extensions and trailers, and the answer after it', () => {
    const { answers } = read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(answers.map((a) => [a.status, a.body.toString()]), [[200, 'Wikipedia'], [202, '']]);
  });

  it('passes over interim answers (100, 103) to the final one', () => {
    const { answers } = read('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(answers.map((a) => a.status), [202]);
  });

  it('gives 204 and 304 no body, whatever their headers say', () => {
    const { answers } = read('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    assert.deepEqual(answers.map((a) => [a.status, a.body.toString()]), [[204, ''], [304, ''], [200, 'ok']]);
  });

  it('reads a body with no length to the close, and then no further answer', () => {
    const { answers, whole } = read('HTTP/1.1 200 OK\r\n\r\nall of it', [22], true);
    assert.deepEqual(answers.map(plain), [{ status: 200, headers: {}, body: 'all of it', close: true }]);
    assert.equal(whole, true);
  });

  it('reads a body framed by a coding other than chunked to the close', () => {
    const { answers } = read('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz', [], true);
    assert.deepEqual(answers.map((a) => [a.body.toString(), a.close]), [['xyz', true]]);
  });

  it('knows when the server closes: Connection: close on 1.1, anything but keep-alive on 1.0', () => {
    const closes = (head: string) => read(`${head}\r\nContent-Length: 0\r\n\r\n`).answers[0]!.close;
    assert.equal(closes('HTTP/1.1 200 OK'), false);
    assert.equal(closes('HTTP/1.1 200 OK\r\nConnection: Close'), true);
    assert.equal(closes('HTTP/1.1 200 OK\r\nConnection: upgrade, close'), true);
    assert.equal(closes('HTTP/1.1 200 OK\r\nConnection: closed'), false);
    assert.equal(closes('HTTP/1.0 200 OK'), true);
    assert.equal(closes('HTTP/1.0 200 OK\r\nConnection: Keep-Alive'), false);
  });

  it('reads nothing after an answer that closes the connection', () => {
    const { answers } = read('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(answers.map((a) => a.status), [200]);
  });

  it('says when the close cut an answer short', () => {
    assert.equal(read('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhalf', [], true).whole, false);
    assert.equal(read('HTTP/1.1 200 O', [], true).whole, false);
    assert.equal(read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi', [], true).whole, false);
    assert.equal(read('', [], true).whole, true);
    assert.equal(read('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n', [], true).whole, true);
  });

  const refused: [string, string, RegExp][] = [
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', /not an HTTP\/1.x status line/],
    ['HTTP/2 framing', 'HTTP/2 200\r\n\r\n', /status line/],
    ['a status of two digits', 'HTTP/1.1 20 OK\r\n\r\n', /status line/],
    ['a folded header', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  more\r\nContent-Length: 0\r\n\r\n', /malformed header line/],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nnonsense\r\n\r\n', /malformed header line/],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', /malformed header line/],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /invalid Content-Length/],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', /invalid Content-Length/],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /invalid chunk size/],
    ['a chunk without its CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY', /chunk does not end with CRLF/],
    ['a switch of protocols nobody asked for', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n', /switched protocols/],
    ['a head past 16 KiB', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(17 * 1024)}`, /head is over 16384 bytes/],
  ];
  for (const [what, wire, message] of refused) {
    it(`refuses ${what}`, () => assert.throws(() => read(wire), (e: unknown) => e instanceof AnswerError && message.test(e.message)));
  }

  it('accepts the same Content-Length repeated', () => {
    assert.equal(read('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok').answers[0]!.body.toString(), 'ok');
  });

  it('refuses a body past its limit, declared or chunked or running to the close', () => {
    assert.throws(() => read('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n', [], false, 10), /body is over 10 bytes/);
    assert.throws(() => read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n', [], false, 10), /body is over 10 bytes/);
    assert.throws(() => read(`HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(11)}`, [], false, 10), /body is over 10 bytes/);
    assert.equal(read('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789', [], false, 10).answers[0]!.body.length, 10);
  });

  it('reads the same answers however the bytes are split: every cut of a pipelined stream, and random cuts of a long one', () => {
    const stream = [
      'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\nRetry-After: 3\r\n\r\nhello',
      'HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1;x=y\r\nd\r\n0\r\nT: 1\r\n\r\n',
      'HTTP/1.1 204 No Content\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\n\u00e9t\u00e9',
    ].join('');
    const expected = read(stream).answers.map(plain);
    assert.deepEqual(expected.map((a) => [a.status, a.body]), [[202, ''], [200, 'hello'], [503, 'abcd'], [204, ''], [200, '\u00e9t\u00e9']]);
    for (let i = 1; i < stream.length; i++) {
      for (let j = i; j < stream.length; j += 7) assert.deepEqual(read(stream, i === j ? [i] : [i, j]).answers.map(plain), expected, `cut at ${i} and ${j}`);
    }
    const long = stream.repeat(50);
    const next = integers(7);
    for (let round = 0; round < 50; round++) {
      const cuts = Array.from({ length: 40 }, () => next(long.length)).sort((a, b) => a - b);
      assert.equal(read(long, cuts).answers.length, 250);
    }
  });

  it('throws nothing but AnswerError, whatever bytes a broken server sends: 20,000 answers with random bytes changed', () => {
    const wire = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1;x=y\r\nd\r\n0\r\nT: 1\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok', 'latin1');
    const next = integers(11);
    const seen = { answered: 0, refused: 0 };
    for (let round = 0; round < 20_000; round++) {
      const bytes = Buffer.from(wire);
      for (let k = 1 + next(4); k > 0; k--) bytes[next(bytes.length)] = next(4) === 0 ? [0x0d, 0x0a, 0x3a, 0x20][next(4)]! : next(256);
      try {
        const { answers } = read(bytes, [next(bytes.length)], true, 64);
        for (const a of answers) assert.ok(a.status >= 100 && a.status <= 999 && a.body.length <= 64, `round ${round}: ${a.status}`);
        seen.answered++;
      } catch (e) {
        if (!(e instanceof AnswerError)) throw new Error(`round ${round}: ${(e as Error).name} ${(e as Error).message} on ${bytes.toString('hex')}`);
        seen.refused++;
      }
    }
    assert.ok(seen.answered > 1000 && seen.refused > 1000, JSON.stringify(seen));
  });
});
