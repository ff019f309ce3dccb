// The least a hand-off can be, shared by the references that forward (index.js with HELLO_FORWARD, mqtt-forward.js):
// undici's dispatch, as kiot delivers; send, wait for the status, drop the answer's body.
const { Agent } = require('undici');

/** A function that POSTs a body to `url` and resolves with the answer's status. */
exports.poster = (url) => {
  const target = new URL(url);
  const dispatcher = new Agent();
  return (body) =>
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
};
