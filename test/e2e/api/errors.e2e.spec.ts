import { describe, expect, it } from 'vitest';
import { aProject, bearer } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

describe('unexpected errors', () => {
  const vault = useTestVault();

  it('answer 500 with a generic body and an error id that the log holds with the cause', async () => {
    const { key } = await aProject(vault, 'Errors');
    // A real failure underneath: the table the tenants API reads disappears.
    await vault.db.exec('ALTER TABLE tenants RENAME TO tenants_moved');
    const res = await vault
      .api()
      .get('/v1/tenants')
      .set(bearer(key))
      .set('x-request-id', 'trace-500-1')
      .then(async (r) => {
        await vault.db.exec('ALTER TABLE tenants_moved RENAME TO tenants');
        return r;
      });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: {
        code: 'internal_error',
        message: 'An unexpected error occurred; quote the error id when reporting it.',
        errorId: expect.stringMatching(/^err_[0-9a-z]{13}[0-9A-Za-z]{12}$/),
      },
    });
    expect(res.text).not.toMatch(/tenants|prisma|stack/i);
    const logged = vault.logs.records().find((r) => r.errorId === res.body.error.errorId);
    // Logged inside the request: the line names it, as does the request's own line.
    expect(logged).toMatchObject({
      level: 50,
      msg: 'Unexpected error',
      err: { type: expect.any(String) },
      req: { id: 'trace-500-1', method: 'GET', path: '/v1/tenants' },
    });
    await expect
      .poll(() =>
        vault.logs
          .records()
          .find((r) => r.msg === 'request errored' && (r.req as { id?: string }).id === 'trace-500-1'),
      )
      .toMatchObject({ level: 50, res: { statusCode: 500, errorCode: 'internal_error' } });
    expect(JSON.stringify(logged)).toMatch(/tenants/);
  });
});
