import { strict as assert } from 'node:assert';
import { step } from '../src/step';
import { parseConfig } from '../src/config';

describe('__NAME__ step', () => {
  it('keeps what it received and stamps the processing time', () => {
    const out = step({ temperature: 21.5 });
    assert.deepEqual(out.received, { temperature: 21.5 });
    assert.ok(!Number.isNaN(Date.parse(out.processedAt)));
  });

  it('refuses a reply type that is not reverse-DNS', () => {
    assert.throws(() => parseConfig({ STEP_REPLY_TYPE: 'Not A Type' }), /STEP_REPLY_TYPE/);
    assert.equal(parseConfig({}).replyType, 'io.kiot.__NAME__.v1');
  });
});
