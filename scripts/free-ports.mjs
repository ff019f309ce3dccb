// Free loopback ports for the processes tests, benchmarks and the soak script start.
import { createServer } from 'node:net';

/**
 * `n` distinct free ports. Every socket stays open until all the ports are known: taken one after
 * another, the kernel may hand out the same port twice (two stack members on one port).
 */
export async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function freePort() {
  return (await freePorts(1))[0];
}
