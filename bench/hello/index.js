// The ceiling: a hello-world faas-js-runtime function (CloudEvent in, CloudEvent out, or plain HTTP 202).
const { CloudEvent } = require('cloudevents');

exports.handle = async (context, event) => {
  if (context.cloudevent) return new CloudEvent({ type: 'bench.reply.v1', source: 'bench', data: event.data });
  return { statusCode: 202, body: '' };
};
