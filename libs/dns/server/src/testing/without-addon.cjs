// Preloaded (node -r) by udp-fallback.int.spec.ts: the batched-UDP addon
// fails to load, as on a machine where it could not be built.
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (String(request).endsWith('batch_udp.node')) throw new Error('Cannot find module batch_udp.node (hidden for this test)');
  return load.call(this, request, ...rest);
};
