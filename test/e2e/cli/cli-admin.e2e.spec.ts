import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_ENDPOINT_FILE, ADMIN_TOKEN_FILE, readAdminEndpoint } from '../../../apps/vault/src/admin/admin-endpoint';
import { createVaultApp } from '../../../apps/vault/src/bootstrap';
import { buildCli, runCli } from '@test/support/cli-runner';
import { seedPgliteDirectory } from '@test/support/test-database';
import { masterKeyList } from '@test/support/test-vault';

const SLOW = { timeout: 240_000 };

// A vault serving on the embedded database holds it; the CLI beside it goes through the
// server's admin API instead of opening the database a second time.
describe('authpipe CLI beside a running embedded vault', () => {
  let cli: ReturnType<typeof buildCli>;
  let app: NestFastifyApplication;
  let dataDir: string;
  let env: Record<string, string>;
  const run = (...args: string[]) => runCli(cli.entry, args, env);

  beforeAll(async () => {
    cli = buildCli();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-admin-'));
    await seedPgliteDirectory(path.join(dataDir, 'pg'));
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      AUTHPIPE_DATA_DIR: dataDir,
      AUTHPIPE_MASTER_KEYS: masterKeyList(1),
    };
    app = await createVaultApp({ env });
    await app.listen({ host: '127.0.0.1', port: 0 });
    // The endpoint file is written by an onListen hook, which Fastify runs without blocking listen().
    await vi.waitFor(async () => {
      if ((await readAdminEndpoint(dataDir)) === null) throw new Error('admin endpoint not published yet');
    });
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await cli.remove();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('publishes its URL and a token readable by the owner only', async () => {
    const endpoint = await readAdminEndpoint(dataDir);
    expect(endpoint).toMatchObject({ url: await app.getUrl(), pid: process.pid });
    for (const file of [ADMIN_TOKEN_FILE, ADMIN_ENDPOINT_FILE]) {
      expect((await fs.stat(path.join(dataDir, file))).mode & 0o777).toBe(0o600);
    }
  });

  it('refuses the admin API without the token or with another one', async () => {
    await request(app.getHttpServer()).get('/admin/v1/projects').expect(401);
    const wrong = await request(app.getHttpServer())
      .get('/admin/v1/projects')
      .set('Authorization', 'Bearer not-the-token')
      .expect(401);
    expect(wrong.body.error.code).toBe('unauthorized');
  });

  it('runs project and key commands through the server, with --json on stdout only', SLOW, async () => {
    const created = await run('project', 'create', 'Through the server', '--json');
    expect(created.code).toBe(0);
    expect(created.stderr).toContain(`running the command on the vault at ${await app.getUrl()}`);
    const projectId = created.json().id;

    const key = await run('key', 'create', '--project', projectId, '--json');
    expect(key.code).toBe(0);
    const { secretKey } = key.json();
    // The key works against the same server at once.
    await request(app.getHttpServer()).get('/v1/tenants').set('Authorization', `Bearer ${secretKey}`).expect(200);

    const listed = await run('key', 'list', '--project', projectId, '--json');
    expect(listed.json()).toEqual([expect.objectContaining({ lastFour: secretKey.slice(-4), revokedAt: null })]);
    expect(listed.stdout).not.toContain(secretKey.split('_')[3]);

    const revoked = await run('key', 'revoke', '--project', projectId, key.json().id, '--json');
    expect(revoked.code).toBe(0);
    const refused = await request(app.getHttpServer()).get('/v1/tenants').set('Authorization', `Bearer ${secretKey}`);
    expect(refused.body.error.code).toBe('revoked_api_key');

    const shared = await run('project', 'update', projectId, '--allow-shared-directories', 'on', '--json');
    expect(shared.code).toBe(0);
    expect(shared.json()).toMatchObject({ id: projectId, allowSharedDirectories: true });
    const missingProject = await run('project', 'update', 'prj_none', '--allow-shared-directories', 'off', '--json');
    expect(missingProject.code).toBe(1);
    expect(missingProject.json().error.code).toBe('project_not_found');

    const missingTenant = await run('tenant', 'rotate-key', '--project', projectId, 'org_none', '--json');
    expect(missingTenant.code).toBe(1);
    expect(missingTenant.json().error.code).toBe('tenant_not_found');
  });

  it('removes the published endpoint when the server stops', SLOW, async () => {
    await app.close();
    expect(await readAdminEndpoint(dataDir)).toBeNull();
    // The database is free again: the CLI opens it directly.
    const listed = await run('project', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(listed.stderr).not.toContain('running the command');
    expect(listed.json()).toContainEqual(expect.objectContaining({ name: 'Through the server' }));
  });
});
