import { describe, expect, it } from 'vitest';
import { formatSecret, signatureHeader, signV1 } from './webhook-signature';

describe('webhook signatures', () => {
  // The example of the Standard Webhooks specification (spec.md, "Signature scheme").
  const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const body = '{"test": 2432232314}';

  it('signs id.timestamp.body with HMAC-SHA256 as the specification shows', () => {
    expect(signV1(key, id, 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('puts one signature per key in the header, space-separated', () => {
    const other = Buffer.alloc(32, 7);
    const header = signatureHeader([key, other], id, 1614265330, body);
    expect(header.split(' ')).toEqual([signV1(key, id, 1614265330, body), signV1(other, id, 1614265330, body)]);
  });

  it('shows secrets with the whsec_ prefix and base64 key', () => {
    expect(formatSecret(key)).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  });
});
