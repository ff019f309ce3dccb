import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createExchanger } from '../src/exchange';
import { AnswerError } from '../src/http1/head';
import { Connection, ConnectionLost, type Job } from '../src/http1/connection';
import { InvalidRequest, postBytes } from '../src/http1/request';

const listen = async <S extends Server | NetServer>(server: S): Promise<URL> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
};

/** A node:http server echoing each body, and what it saw: the sockets, and the most requests one socket had unanswered. */
async function echoServer(delay: (n: number) => number = () => 0) {
  const seen = { sockets: new Set<Socket>(), mostUnanswered: 0, requests: 0 };
  const unanswered = new Map<Socket, number>();
  const server = createServer((req, res) => {
    const n = seen.requests++;
    seen.sockets.add(req.socket);
    const open = (unanswered.get(req.socket) ?? 0) + 1;
    unanswered.set(req.socket, open);
    seen.mostUnanswered = Math.max(seen.mostUnanswered, open);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      setTimeout(() => {
        unanswered.set(req.socket, (unanswered.get(req.socket) ?? 1) - 1);
        res.writeHead(202, { 'x-seen': req.headers['x-id'] ?? '' }).end(Buffer.concat(chunks));
      }, delay(n)),
    );
  });
  return { server, seen, url: await listen(server) };
}

/** A server speaking HTTP/1.1 by hand: each request's body goes to `answer`, which writes what it likes. */
async function rawServer(answer: (body: string, socket: Socket, n: number) => void) {
  let n = 0;
  const server = createNetServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buf.toString('latin1', 0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.toString('utf8', end + 4, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        if (socket.writable) answer(body, socket, n++);
      }
    });
    socket.on('error', () => undefined);
  });
  return { server, url: await listen(server) };
}

const ACCEPTED = 'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n';
const bodies = (n: number) => Array.from({ length: n }, (_, i) => `event ${i}`);

/** A job as the exchanger makes one, and the status or error it settled with. */
function jobFor(url: URL, body: string) {
  let settle!: (outcome: Error | number) => void;
  const outcome = new Promise<Error | number>((r) => (settle = r));
  const j: Job = { bytes: postBytes(url, {}, body), connection: undefined, settled: false, settle(err, answer) {
    this.settled = true;
    settle(err ?? answer!.status);
  } };
  return { j, outcome };
}

/** A connection of kiot's client to `url`, and the jobs it hands back when it closes. */
async function connectionTo(url: URL) {
  const socket = connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  const seen: { handedBack?: Job[] } = {};
  const connection = new Connection(socket, 30_000, 1 << 20, { freed: () => undefined, closed: (_c, unread) => (seen.handedBack = unread) });
  return { socket, connection, seen };
}

describe('kiot HTTP/1.1 client (createExchanger) against real servers', () => {
  const servers: (Server | NetServer)[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      if ('closeAllConnections' in s) s.closeAllConnections();
      s.close();
    }
  });

  it('without pipelining, never has two requests unanswered on one connection', async () => {
    const { server, seen, url } = await echoServer((n) => n % 3);
    servers.push(server);
    const exchange = createExchanger();
    const got = await Promise.all(bodies(30).map((b) => exchange(url, { 'x-id': b }, b, 2000)));
    assert.deepEqual(got.map((a) => [a.status, a.body.toString(), a.headers['x-seen']]), bodies(30).map((b) => [202, b, b]));
    assert.equal(seen.mostUnanswered, 1);
  });

  it('holds to maxConnections, the rest waiting their turn', async () => {
    const { server, seen, url } = await echoServer(() => 5);
    servers.push(server);
    const exchange = createExchanger({ maxConnections: 2 });
    const got = await Promise.all(bodies(12).map((b) => exchange(url, {}, b, 2000)));
    assert.deepEqual(got.map((a) => a.body.toString()), bodies(12));
    assert.equal(seen.sockets.size, 2);
    assert.equal(seen.mostUnanswered, 1);
  });

  it('pipelined, matches each answer to its request in order, on one connection', async () => {
    const { server, seen, url } = await echoServer((n) => (n * 7) % 5);
    servers.push(server);
    const exchange = createExchanger({ maxConnections: 1, pipelining: 8 });
    const got = await Promise.all(bodies(40).map((b) => exchange(url, { 'x-id': b }, b, 3000)));
    assert.deepEqual(got.map((a) => [a.body.toString(), a.headers['x-seen']]), bodies(40).map((b) => [b, b]));
    assert.equal(seen.sockets.size, 1);
    assert.ok(seen.mostUnanswered > 1, `the server had at most ${seen.mostUnanswered} unanswered at once`);
  });

  it('sends again, once, what was pipelined behind an answer that closed the connection', async () => {
    const processed: string[] = [];
    const { server, url } = await rawServer((body, socket, n) => {
      processed.push(body);
      if (n === 1) {
        // As RFC 9112 §9.6 asks: the answer says close, and nothing after it is read.
        socket.end('HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        socket.removeAllListeners('data');
      } else socket.write(ACCEPTED);
    });
    servers.push(server);
    const exchange = createExchanger({ maxConnections: 1, pipelining: 8 });
    const got = await Promise.all(bodies(6).map((b) => exchange(url, {}, b, 2000)));
    assert.deepEqual(got.map((a) => a.status), [202, 202, 202, 202, 202, 202]);
    assert.deepEqual([...processed].sort(), bodies(6));
  });

  it('fails the request a connection dropped unanswered (no wait for the timeout), and the next one opens another', async () => {
    const { server, url } = await rawServer((body, socket) => (body === 'drop' ? socket.destroy() : socket.write(ACCEPTED)));
    servers.push(server);
    const exchange = createExchanger();
    const t0 = Date.now();
    await assert.rejects(exchange(url, {}, 'drop', 5000), (e: unknown) => e instanceof ConnectionLost);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal((await exchange(url, {}, 'fine', 2000)).status, 202);
  });

  it('hands back what it had not yet written when the server closes without a word, and fails only what it had', async () => {
    // A server whose idle timeout came (no Keep-Alive hint, no Connection: close) just closes. When that close is read
    // in the turn a request was made, the request has not left yet (requests leave at the end of the turn): it goes
    // back to the pool, to be sent on another connection, instead of failing. The close is injected at that moment.
    const processed: string[] = [];
    const { server, url } = await rawServer((body, socket) => {
      processed.push(body);
      if (body !== 'unanswered') socket.write(ACCEPTED);
    });
    servers.push(server);
    const { socket, connection, seen } = await connectionTo(url);
    const job = (body: string) => jobFor(url, body);
    const first = job('first');
    connection.send(first.j);
    assert.equal(await first.outcome, 202);
    const written = job('unanswered');
    connection.send(written.j);
    while (processed.length < 2) await new Promise((r) => setTimeout(r, 5));
    const unwritten = job('unwritten');
    connection.send(unwritten.j);
    socket.push(null);
    await once(socket, 'close');
    assert.ok((await written.outcome) instanceof ConnectionLost, 'a request written and never answered fails');
    assert.deepEqual(seen.handedBack, [unwritten.j]);
    assert.equal(unwritten.j.settled, false);
    assert.equal(unwritten.j.connection, undefined);
    assert.deepEqual(processed, ['first', 'unanswered']);
  });

  it('behind an answer that runs to the close, hands back what was pipelined after it, then what was not yet written', async () => {
    const processed: string[] = [];
    const { server, url } = await rawServer((body, socket) => {
      processed.push(body);
      // No length: the body runs to the close (RFC 9112 §6.3), so the server reads nothing after this request.
      if (body === 'first') socket.write('HTTP/1.1 200 OK\r\n\r\npart of a body');
    });
    servers.push(server);
    const { socket, connection, seen } = await connectionTo(url);
    const [first, behind] = [jobFor(url, 'first'), jobFor(url, 'behind')];
    connection.send(first.j);
    connection.send(behind.j);
    while (processed.length < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    const unwritten = jobFor(url, 'unwritten');
    connection.send(unwritten.j);
    socket.push(null);
    await once(socket, 'close');
    assert.equal(await first.outcome, 200);
    assert.deepEqual(seen.handedBack, [behind.j, unwritten.j]);
    assert.ok(!behind.j.settled && !unwritten.j.settled);
  });

  it('fails on an answer that is not HTTP, closing that connection only', async () => {
    const { server, url } = await rawServer((body, socket) => socket.write(body === 'garbage' ? 'SSH-2.0-OpenSSH_9.2\r\n\r\n' : ACCEPTED));
    servers.push(server);
    const exchange = createExchanger();
    await assert.rejects(exchange(url, {}, 'garbage', 2000), (e: unknown) => e instanceof AnswerError);
    assert.equal((await exchange(url, {}, 'fine', 2000)).status, 202);
  });

  it('fails every request pipelined behind one that timed out, and recovers on a new connection', async () => {
    // Answers go in order: behind a request it never answers, the server answers nothing on that connection.
    const stuckOn = new WeakSet<Socket>();
    const { server, url } = await rawServer((body, socket) => {
      if (body === 'stuck') stuckOn.add(socket);
      if (!stuckOn.has(socket)) socket.write(ACCEPTED);
    });
    servers.push(server);
    const exchange = createExchanger({ maxConnections: 1, pipelining: 4 });
    const stuck = exchange(url, {}, 'stuck', 150);
    const behind = exchange(url, {}, 'behind', 5000);
    await assert.rejects(stuck, /no answer within 150 ms/);
    await assert.rejects(behind, (e: unknown) => e instanceof ConnectionLost);
    assert.equal((await exchange(url, {}, 'after', 2000)).status, 202);
  });

  it("closes an idle connection a second before the server's Keep-Alive timeout says it would", async () => {
    const server = createServer((_req, res) => res.writeHead(202).end());
    server.keepAliveTimeout = 3000;
    const url = await listen(server);
    servers.push(server);
    let closedAfter = 0;
    const t0 = Date.now();
    server.on('connection', (s: Socket) => s.on('close', () => (closedAfter = Date.now() - t0)));
    await createExchanger()(url, {}, 'x', 2000);
    await new Promise((r) => setTimeout(r, 2400));
    assert.ok(closedAfter > 1500 && closedAfter < 2400, `closed after ${closedAfter} ms`);
  });

  it('refuses a header that could split the request, or one the transport sets, and sends nothing', async () => {
    const { server, seen, url } = await echoServer();
    servers.push(server);
    const exchange = createExchanger();
    await assert.rejects(exchange(url, { 'ce-subject': 'a\r\nx-evil: 1' }, 'x', 1000), (e: unknown) => e instanceof InvalidRequest);
    await assert.rejects(exchange(url, { 'content-length': '0' }, 'x', 1000), (e: unknown) => e instanceof InvalidRequest);
    await assert.rejects(exchange(url, { 'bad name': 'x' }, 'x', 1000), (e: unknown) => e instanceof InvalidRequest);
    assert.equal(seen.requests, 0);
  });

  it('leaves no idle connection holding the process open', async function () {
    this.timeout(20_000);
    const { server, url } = await echoServer();
    // The server would keep the connection a minute: only the client's letting go ends the process.
    server.keepAliveTimeout = 60_000;
    servers.push(server);
    const code = `const { createExchanger } = require(${JSON.stringify(join(__dirname, '../src/exchange.ts'))});
      createExchanger()(new URL(${JSON.stringify(url.href)}), {}, 'x', 2000).then((a) => console.log(a.status));`;
    const t0 = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', code], { timeout: 15_000 });
    assert.equal(stdout.trim(), '202');
    assert.ok(Date.now() - t0 < 5000, 'the process waited for its idle connection');
  });
});
