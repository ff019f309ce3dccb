// The ceiling: a hello-world faas-js-runtime function (CloudEvent in, CloudEvent out, or plain HTTP 202).
// With HELLO_FORWARD=url it first POSTs the body there (kiot's HTTP client, as kiot delivers): the cost of a hand-off alone.
const { CloudEvent } = require('cloudevents');

const forward = process.env.HELLO_FORWARD;
// Loaded only when forwarding: plain hello-world stays the cold-start and memory ceiling.
const post = forward ? require('./hand-off.js').poster(forward) : undefined;

exports.handle = async (context, event) => {
  if (context.cloudevent) return new CloudEvent({ type: 'bench.reply.v1', source: 'bench', data: event.data });
  if (forward) {
    const status = await post(JSON.stringify(context.body ?? null));
    return { statusCode: status === 202 ? 202 : 503, body: '' };
  }
  return { statusCode: 202, body: '' };
};
