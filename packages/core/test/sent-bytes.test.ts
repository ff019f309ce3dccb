import { strict as assert } from 'node:assert';
import { BYTES_CONTENT_TYPE, SENT_CONTENT_TYPE, sentHeaders } from '../src/sent-bytes';

describe('sentHeaders: a request\'s headers as the client sent them', () => {
  it('puts back the content type the start entry set aside, and joins repeated headers', () => {
    const got = sentHeaders({ 'content-type': BYTES_CONTENT_TYPE, [SENT_CONTENT_TYPE]: 'text/plain; charset=latin1', 'x-a': ['1', '2'], authorization: 'Basic eA==' });
    assert.deepEqual(got, { 'content-type': 'text/plain; charset=latin1', 'x-a': '1, 2', authorization: 'Basic eA==' });
  });

  it('keeps the content type when the start entry set none aside (a request that sent none, or the runtime\'s own CLI)', () => {
    assert.deepEqual(sentHeaders({ 'content-type': 'application/json', host: 'x' }), { 'content-type': 'application/json', host: 'x' });
    assert.deepEqual(sentHeaders({ host: 'x' }), { host: 'x' });
  });
});
