import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProjectWithKey } from './support/fixtures';
import { startVault, type VaultHarness } from './support/vault-harness';

describe('unexpected errors', () => {
  let vault: VaultHarness;

  beforeAll(async () => {
    vault = await startVault();
  });
  afterAll(async () => {
    await vault.close();
  });

  it('answer 500 with a generic body and an error id that the log holds with the cause', async () => {
    const { key } = await createProjectWithKey(vault.app, 'Errors');
    // A real failure underneath: the table the tenants API reads disappears.
    await vault.db.exec('ALTER TABLE tenants RENAME TO tenants_moved');
    let res: request.Response;
    try {
      res = await request(vault.server()).get('/v1/tenants').set(bearer(key)).expect(500);
    } finally {
      await vault.db.exec('ALTER TABLE tenants_moved RENAME TO tenants');
    }
    expect(res.body).toEqual({
      error: {
        code: 'internal_error',
        message: 'An unexpected error occurred; quote the error id when reporting it.',
        errorId: expect.stringMatching(/^err_[0-9a-z]{13}[0-9A-Za-z]{12}$/),
      },
    });
    expect(res.text).not.toMatch(/tenants|prisma|stack/i);
    const logged = vault.logs.records().find((r) => r.errorId === res.body.error.errorId);
    expect(logged).toMatchObject({ level: 50, msg: 'Unexpected error', err: { type: expect.any(String) } });
    expect(JSON.stringify(logged)).toMatch(/tenants/);
  });
});
