// What kiot's bundles load for the `debug` package (scripts/build.mjs): loggers that never log. mqtt-packet,
// which the MQTT endpoint bundles, prints every packet it parses once DEBUG is set (operators set it to trace a
// fault): a CONNECT's password and devices' payloads went to the log. Nothing else kiot bundles uses `debug`.
'use strict';
function createDebug(namespace) {
  const debug = () => {};
  debug.namespace = String(namespace ?? '');
  debug.enabled = false;
  debug.extend = (sub) => createDebug(`${debug.namespace}:${sub}`);
  debug.destroy = () => {};
  debug.log = debug;
  return debug;
}
createDebug.enable = () => {};
createDebug.disable = () => '';
createDebug.enabled = () => false;
createDebug.debug = createDebug;
createDebug.default = createDebug;
module.exports = createDebug;
