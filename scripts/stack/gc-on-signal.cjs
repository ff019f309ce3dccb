// Preloaded by `npm run soak` only (NODE_OPTIONS="--expose-gc --require …"): SIGUSR2 runs a full garbage
// collection, so the heap the soak reads next is what the process keeps, not old-space garbage that V8
// collects lazily (the live console, which holds its last events for seconds, grew 1.5 MB/min that way).
'use strict';
if (typeof globalThis.gc === 'function') process.on('SIGUSR2', () => globalThis.gc());
