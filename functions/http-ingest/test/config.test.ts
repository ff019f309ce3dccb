/** http-ingest's configuration: the sink hand-off's settings. */
import { strict as assert } from 'node:assert';
import { parseConfig } from '../src/config';

const base = { K_SINK: 'http://127.0.0.1:1', INGEST_ANONYMOUS: 'true' };

describe('http-ingest config', () => {
  it('hands off one event per connection by default; INGEST_SINK_PIPELINING pipelines 1 to 64 deep', () => {
    assert.equal(parseConfig(base).sinkPipelining, 1);
    assert.equal(parseConfig({ ...base, INGEST_SINK_PIPELINING: '16' }).sinkPipelining, 16);
    for (const bad of ['0', '65', 'many']) assert.throws(() => parseConfig({ ...base, INGEST_SINK_PIPELINING: bad }), /INGEST_SINK_PIPELINING/);
  });
});
