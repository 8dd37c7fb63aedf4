import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRootLogger, requestIdFrom } from './logging.module';
import { REDACTED, isSensitiveKey, pathOnly, redactDeep, serializeRequest } from './redaction';
import { cryptoRandom } from '../common/random';

const CANARY = 'canary-7f3a9c1e';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, destination };
}

describe('log redaction', () => {
  describe(redactDeep.name, () => {
    it('redacts secret-like keys at any depth and keeps the rest', () => {
      const out = redactDeep({
        tenantId: 'org_acme',
        keyVersion: 3,
        body: { refresh_token: CANARY, nested: [{ password: CANARY, clientSecret: CANARY, masterKey: CANARY }] },
        code: CANARY,
        session: CANARY,
      });
      expect(JSON.stringify(out)).not.toContain(CANARY);
      expect(out).toMatchObject({ tenantId: 'org_acme', keyVersion: 3, code: REDACTED });
    });
  });

  describe(isSensitiveKey.name, () => {
    it.each([
      'token',
      'accessToken',
      'secretKey',
      'key',
      'api_key',
      'password',
      'code_verifier',
      'authorization',
      'cookie',
      'code',
    ])('treats %s as sensitive', (key) => expect(isSensitiveKey(key)).toBe(true));
    it.each(['tenantId', 'keyVersion', 'statusCode', 'errorId', 'dekVersion'])('keeps %s visible', (key) =>
      expect(isSensitiveKey(key)).toBe(false),
    );
  });

  describe(serializeRequest.name, () => {
    it('logs the path without query and no authorization or cookie header', () => {
      const req = {
        id: 'r1',
        method: 'GET',
        url: `/oauth/callback?code=${CANARY}&state=x`,
        headers: { authorization: `Bearer ${CANARY}`, cookie: `s=${CANARY}`, 'user-agent': 'ua' },
      } as never;
      const out = serializeRequest(req);
      expect(JSON.stringify(out)).not.toContain(CANARY);
      expect(out).toMatchObject({ path: '/oauth/callback', headers: { 'user-agent': 'ua' } });
    });
  });

  describe(createRootLogger.name, () => {
    it('writes JSON lines with token-like fields redacted', async () => {
      const { lines, destination } = capture();
      const logger = createRootLogger({ level: 'info', destination });
      logger.info({ body: { token: CANARY, name: 'visible' }, headers: { authorization: CANARY } }, 'hello');
      logger.flush();
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines).toHaveLength(1);
      const record = JSON.parse(lines[0]);
      expect(record.msg).toBe('hello');
      expect(record.body).toEqual({ token: REDACTED, name: 'visible' });
      expect(lines[0]).not.toContain(CANARY);
    });
  });

  it('strips query strings', () => {
    expect(pathOnly('/a?b=c')).toBe('/a');
    expect(pathOnly('/a')).toBe('/a');
  });
});

describe(requestIdFrom.name, () => {
  it("keeps a proxy's well-formed x-request-id and names anything else by the app's prefix and a sequence number", () => {
    const requestId = requestIdFrom(cryptoRandom);
    const req = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as never;
    expect(requestId(req('abc-123.x'))).toBe('abc-123.x');
    const replaced = requestId(req('bad id\n{"level":60}'));
    expect(replaced).toMatch(/^[\w-]{12}\.1$/);
    const [prefix] = replaced.split('.');
    expect(requestId(req())).toBe(`${prefix}.2`);
    expect(requestId(req('x'.repeat(65)))).toBe(`${prefix}.3`);
  });

  it('gives each application (each replica, each start) a prefix of its own', () => {
    const prefixes = new Set(
      Array.from({ length: 50 }, () => requestIdFrom(cryptoRandom)({ headers: {} }).split('.')[0]),
    );
    expect(prefixes.size).toBe(50);
  });
});
