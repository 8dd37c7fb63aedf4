import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { lockEmbeddedDirectory } from '../../../apps/vault/src/admin/embedded-database';
import { openCliContext } from '../../../apps/vault/src/cli/cli-context';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { buildCli, runCli, runCliTracingModules } from '@test/support/cli-runner';
import { createTestDatabase, seedPgliteDirectory, type TestDatabase } from '@test/support/test-database';
import { masterKeyList } from '@test/support/test-vault';

// Every CLI run is a new process opening the database: seconds each on a loaded machine.
const SLOW = { timeout: 240_000 };

// Against the PostgreSQL test database when DATABASE_URL is set, else a temporary PGlite dir.
describe('authpipe CLI', () => {
  let cli: ReturnType<typeof buildCli>;
  let db: TestDatabase | null = null;
  let dataDir: string;
  let env: Record<string, string>;
  const run = (...args: string[]) => runCli(cli.entry, args, env);

  beforeAll(async () => {
    cli = buildCli();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-cli-'));
    env = { NODE_ENV: 'test', AUTHPIPE_DATA_DIR: dataDir, AUTHPIPE_MASTER_KEYS: masterKeyList(1) };
    if (process.env.DATABASE_URL) {
      db = await createTestDatabase();
      env.DATABASE_URL = db.url!;
    } else {
      if (!(await seedPgliteDirectory(path.join(dataDir, 'pg'))))
        throw new Error('no PGlite template provided by the db project setup');
    }
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await cli.remove();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('prints help listing every command group with exit code 0', async () => {
    const res = await run('--help');
    expect(res.code).toBe(0);
    for (const group of ['project', 'key', 'master-key', 'tenant']) expect(res.stdout).toContain(group);
  });

  it.each([
    [['key', 'create'], /--project/],
    [['project', 'frobnicate'], /unknown command/],
    [['key', 'list', '--project'], /argument missing/],
    [['project', 'update', 'prj_x'], /Name a setting to change/],
    [['project', 'update', 'prj_x', '--allow-shared-directories', 'maybe'], /Allowed choices are on, off/],
  ])('exits 2 with a clear message for bad arguments: %j', async (args, message) => {
    const res = await run(...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it(
    'loads only what a command needs: the parser alone for --version, no Nest core for project and key commands',
    SLOW,
    async () => {
      const version = await runCliTracingModules(cli.entry, ['--version'], env);
      expect(version.code).toBe(0);
      expect(version.modules).toContainEqual(expect.stringContaining('/commander/'));
      expect(version.modules.filter((url) => /\/(zod|@prisma|@nestjs|pg|@electric-sql)\//.test(url))).toEqual([]);

      const listed = await runCliTracingModules(cli.entry, ['project', 'list', '--json'], env);
      expect(listed.code).toBe(0);
      expect(listed.modules).toContainEqual(expect.stringContaining('/cli/cli-services.js'));
      // Nest's core and the index of @nestjs/common (every pipe, exception and rxjs) stay unloaded;
      // so do the key jobs' modules, the HTTP stack and, on PostgreSQL, PGlite's WASM.
      const heavy = [/@nestjs\/core\//, /@nestjs\/common\/index\.js$/, /\/rxjs\//, /\/keys\/key-jobs\.service\.js$/];
      heavy.push(/\/(fastify|@azure)\//);
      if (process.env.DATABASE_URL) heavy.push(/@electric-sql\/pglite/);
      expect(listed.modules.filter((url) => heavy.some((pattern) => pattern.test(url)))).toEqual([]);
    },
  );

  it('creates a project and a key shown once, lists keys without secrets, and revokes one (--json)', SLOW, async () => {
    const project = await run('project', 'create', 'CLI project', '--json');
    expect(project.code).toBe(0);
    const { id: projectId } = project.json();
    expect(projectId).toMatch(/^prj_/);
    expect((await run('project', 'list', '--json')).json()).toContainEqual(
      expect.objectContaining({ id: projectId, name: 'CLI project', allowSharedDirectories: false }),
    );
    const shared = await run('project', 'update', projectId, '--allow-shared-directories', 'on');
    expect(shared.stdout).toContain(`Project ${projectId}: shared directories allowed.`);
    expect((await run('project', 'list', '--json')).json()).toContainEqual(
      expect.objectContaining({ id: projectId, allowSharedDirectories: true }),
    );

    const created = await run('key', 'create', '--project', projectId, '--name', 'ci', '--json');
    expect(created.code).toBe(0);
    const key = created.json();
    expect(key.secretKey).toMatch(/^ap_sk_[0-9A-Za-z]{12}_[0-9A-Za-z]{40}_[0-9A-Za-z]{6}$/);

    const listed = await run('key', 'list', '--project', projectId, '--json');
    expect(listed.json()).toEqual([
      expect.objectContaining({ id: key.id, name: 'ci', lastFour: key.secretKey.slice(-4), revokedAt: null }),
    ]);
    expect(listed.stdout).not.toContain(key.secretKey.split('_')[3]);
    expect(listed.stdout).not.toContain('secretKey');

    const revoked = await run('key', 'revoke', '--project', projectId, key.id, '--json');
    expect(revoked.code).toBe(0);
    expect(revoked.json()).toMatchObject({ id: key.id, revokedAt: expect.any(String) });

    const missing = await run('key', 'revoke', '--project', projectId, 'key_nope', '--json');
    expect(missing.code).toBe(1);
    expect(missing.json()).toEqual({ error: { code: 'api_key_not_found', message: expect.any(String) } });
  });

  it('rotates and shreds a tenant with progress on stderr and JSON alone on stdout', SLOW, async () => {
    const projectId = (await run('project', 'create', 'Tenants', '--json')).json().id;
    const ctx = await openCliContext(env);
    try {
      const secrets = ctx.app.get(SecretsService);
      for (let i = 0; i < 3; i++) {
        await secrets.put(
          { projectId, tenantExternalId: asTenantExternalId('org_cli') },
          { recordType: 'cli', recordId: `r${i}`, field: 'token' },
          `s${i}`,
        );
      }
    } finally {
      await ctx.close();
    }

    const rotated = await run('tenant', 'rotate-key', '--project', projectId, 'org_cli', '--json');
    expect(rotated.code).toBe(0);
    expect(rotated.json()).toMatchObject({
      kind: 'tenant_key_rotation',
      status: 'completed',
      processed: 3,
      tenantId: 'org_cli',
    });
    expect(rotated.stderr).toMatch(/tenant_key_rotation: \d+\/3/);

    const refused = await run('tenant', 'shred', '--project', projectId, 'org_cli', '--json');
    expect(refused.code).toBe(2);
    expect(refused.json().error).toMatchObject({
      code: 'invalid_arguments',
      message: expect.stringContaining('--yes'),
    });

    const shredded = await run('tenant', 'shred', '--project', projectId, 'org_cli', '--yes', '--json');
    expect(shredded.code).toBe(0);
    expect(shredded.json()).toMatchObject({ kind: 'tenant_shred', status: 'completed' });

    // A missing tenant answers the same to every command: shredding it again is no "completed".
    for (const command of [['rotate-key'], ['shred', '--yes']]) {
      const gone = await run('tenant', ...command, '--project', projectId, 'org_cli', '--json');
      expect(gone.code).toBe(1);
      expect(gone.json().error.code).toBe('tenant_not_found');
    }
  });

  it('rotates the master key to a newly configured version, after which the old one can be dropped', SLOW, async () => {
    const projectId = (await run('project', 'create', 'Master', '--json')).json().id;
    const ctx = await openCliContext(env);
    try {
      await ctx.app
        .get(SecretsService)
        .put(
          { projectId, tenantExternalId: asTenantExternalId('org_m') },
          { recordType: 'cli', recordId: 'm1', field: 'token' },
          'x',
        );
    } finally {
      await ctx.close();
    }
    const newKey = masterKeyList(2);
    env = { ...env, AUTHPIPE_MASTER_KEYS: `${newKey},${env.AUTHPIPE_MASTER_KEYS}` };
    const rotated = await run('master-key', 'rotate', '--json');
    expect(rotated.code).toBe(0);
    expect(rotated.json()).toMatchObject({ kind: 'master_key_rotation', status: 'completed' });

    env = { ...env, AUTHPIPE_MASTER_KEYS: newKey };
    expect((await run('project', 'list', '--json')).code).toBe(0);
  });

  it('says the embedded database is held by another process instead of opening it twice', async () => {
    const ownDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-cli-busy-'));
    const release = await lockEmbeddedDirectory(path.join(ownDir, 'pg'));
    try {
      const res = await runCli(cli.entry, ['project', 'list'], { ...env, DATABASE_URL: '', AUTHPIPE_DATA_DIR: ownDir });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`in use by process ${process.pid}`);
      expect(res.stderr).toMatch(/stop that process, or set DATABASE_URL/);
    } finally {
      await release();
      await fs.rm(ownDir, { recursive: true, force: true });
    }
  });
});
