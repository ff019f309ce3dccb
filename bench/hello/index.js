// The ceiling: a hello-world faas-js-runtime function (CloudEvent in, CloudEvent out, or plain HTTP 202).
// With HELLO_FORWARD=url it first POSTs the body there (undici's dispatch, as kiot delivers): the cost of a hand-off alone.
const { CloudEvent } = require('cloudevents');

const forward = process.env.HELLO_FORWARD;
// Loaded only when forwarding: plain hello-world stays the cold-start and memory ceiling.
const dispatcher = forward ? new (require('undici').Agent)() : undefined;
const target = forward ? new URL(forward) : undefined;

// The least a hand-off can be: send, wait for the status, drop the answer's body.
const post = (body) =>
  new Promise((resolve, reject) => {
    let status = 0;
    dispatcher.dispatch({ origin: target.origin, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body }, {
      onRequestStart: () => undefined,
      onResponseStart: (_c, code) => (status = code),
      onResponseData: () => undefined,
      onResponseEnd: () => resolve(status),
      onResponseError: (_c, err) => reject(err),
    });
  });

exports.handle = async (context, event) => {
  if (context.cloudevent) return new CloudEvent({ type: 'bench.reply.v1', source: 'bench', data: event.data });
  if (forward) {
    const status = await post(JSON.stringify(context.body ?? null));
    return { statusCode: status === 202 ? 202 : 503, body: '' };
  }
  return { statusCode: 202, body: '' };
};
