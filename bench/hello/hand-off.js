// The least a hand-off can be, shared by the references that forward (index.js with HELLO_FORWARD, mqtt-forward.js):
// kiot's own HTTP client (bench/build/exchange.js, built from core's exchange.ts), as kiot delivers; send, wait
// for the status, drop the answer. FORWARD_PIPELINING pipelines it as the endpoints' *_SINK_PIPELINING do.
const { createExchanger } = require('../build/exchange.js');

/** A function that POSTs a body to `url` and resolves with the answer's status. */
exports.poster = (url) => {
  const target = new URL(url);
  const exchange = createExchanger({ pipelining: Number(process.env.FORWARD_PIPELINING ?? 1) });
  const headers = { 'content-type': 'application/json' };
  return (body) => exchange(target, headers, body, 30_000).then((answer) => answer.status);
};
