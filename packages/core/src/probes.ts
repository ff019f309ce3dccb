/**
 * The liveness and readiness answers every function exports: faas-js-runtime binds a module's
 * `liveness` and `readiness` to /health/liveness and /health/readiness in place of its own.
 *
 * Its own hand fastify's reply to overload-protection as if it were Node's response. Once the event
 * loop has lagged past 42 ms (a start beside other pods, a large event), that library calls
 * `res.setHeader`, which a fastify reply does not have: the probe answered 503 with "res.setHeader is
 * not a function" and logged a TypeError, the liveness probe too, which the kubelet counts towards
 * restarting the pod.
 *
 * Here a function that answers is alive and ready: its init ran before it listened (a bad config
 * stops the start), and a busy function is still one Knative's concurrency limits and autoscaler
 * should keep. Taking it out of service, or restarting it, because it is busy would only remove
 * capacity when it is needed.
 */

/** The part of fastify's reply a probe uses (the runtime's typings call it an Http2ServerResponse). */
interface ProbeReply {
  code(status: number): ProbeReply;
  header(name: string, value: string): ProbeReply;
  send(body: string): ProbeReply;
}

function ok(_request: unknown, reply: unknown): void {
  (reply as ProbeReply).code(200).header('content-type', 'text/plain; charset=utf-8').send('OK');
}

/** GET /health/liveness: 200 OK while the process answers. */
export const liveness = ok;

/** GET /health/readiness: 200 OK once the function listens. */
export const readiness = ok;
