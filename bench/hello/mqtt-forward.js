// The reference for the MQTT endpoint, as hello forwarding is for http-ingest: the least an MQTT → HTTP
// hand-off can be. It accepts any CONNECT, POSTs each PUBLISH's payload to the sink (FORWARD_URL) with
// kiot's HTTP client, as kiot does, and PUBACKs once the sink answered 2xx. No auth, no CloudEvent, no limits,
// no metrics, PUBACKs in the order the sink answers (MQTT wants them in the order received): it does less
// than the endpoint may, so what it reaches bounds any endpoint that acks only once the sink has the publish.
const { createServer } = require('node:net');
const mqtt = require('mqtt-packet');
const { setImmediate } = require('node:timers');
const { poster } = require('./hand-off.js');

const post = poster(process.env.FORWARD_URL);

createServer((socket) => {
  const parser = mqtt.parser();
  let opts = { protocolVersion: 4 };
  // PUBACKs written within one turn go out in one write, as kiot's outbox corks them.
  let queued = [];
  const send = (packet) => {
    queued.push(mqtt.generate(packet, opts));
    if (queued.length === 1) setImmediate(() => {
      const out = queued.length === 1 ? queued[0] : Buffer.concat(queued);
      queued = [];
      if (!socket.destroyed) socket.write(out);
    });
  };
  parser.on('packet', (p) => {
    if (p.cmd === 'connect') {
      opts = { protocolVersion: p.protocolVersion };
      send(p.protocolVersion === 5 ? { cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { maximumQoS: 1, retainAvailable: false } } : { cmd: 'connack', sessionPresent: false, returnCode: 0 });
    } else if (p.cmd === 'publish') {
      post(p.payload).then((status) => {
        if (p.qos === 1) send(status >= 200 && status < 300 ? { cmd: 'puback', messageId: p.messageId, reasonCode: 0 } : { cmd: 'puback', messageId: p.messageId, reasonCode: 0x97 });
      }, () => socket.destroy());
    } else if (p.cmd === 'pingreq') send({ cmd: 'pingresp' });
    else if (p.cmd === 'disconnect') socket.end();
  });
  parser.on('error', () => socket.destroy());
  socket.on('data', (chunk) => parser.parse(chunk));
  socket.on('error', () => undefined);
}).listen(Number(process.env.MQTT_PORT), '127.0.0.1');
