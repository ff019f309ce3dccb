// The ceiling: a hello-world faas-js-runtime function (CloudEvent in, CloudEvent out, or plain HTTP 202).
// With HELLO_FORWARD=url it first POSTs the body there (undici, as kiot delivers): the cost of a hand-off alone.
const { CloudEvent } = require('cloudevents');

const forward = process.env.HELLO_FORWARD;
// Loaded only when forwarding: plain hello-world stays the cold-start and memory ceiling.
const { request } = forward ? require('undici') : {};

exports.handle = async (context, event) => {
  if (context.cloudevent) return new CloudEvent({ type: 'bench.reply.v1', source: 'bench', data: event.data });
  if (forward) {
    const res = await request(forward, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(context.body ?? null) });
    await res.body.dump();
    return { statusCode: res.statusCode === 202 ? 202 : 503, body: '' };
  }
  return { statusCode: 202, body: '' };
};
