// Two vault processes on one PostgreSQL: this one (a TestVault) and a child process started from
// the compiled build with its own PORT, the same database URL and master keys, sandbox off. They
// share nothing but the database, so everything the child learns of a change made here, it learns
// through LISTEN/NOTIFY. Two processes cannot share a PGlite data directory (one process per data
// directory, by design): without DATABASE_URL this file is skipped; `npm run test:db` with
// DATABASE_URL runs it (as CI does on PostgreSQL).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKey } from '../../../apps/vault/src/api-keys/api-key-format';
import { aProject } from '@test/support/builders';
import { replicaScenarios, WITHIN_A_SECOND } from '@test/support/replica-scenarios';
import { inProcessReplica } from '@test/support/replicas';
import { useTestVault } from '@test/support/test-vault';
import { runCli } from '@test/support/cli-runner';
import {
  buildReplica,
  startReplicaProcess,
  type ReplicaBuild,
  type ReplicaProcess,
} from '@test/support/replica-process';

const postgres = process.env.DATABASE_URL;
const SKIP_REASON =
  'needs DATABASE_URL: two processes cannot open one PGlite data directory; run `DATABASE_URL=… npm run test:db`';
if (!postgres) console.info(`test/e2e/bus/replicas.e2e.spec.ts skipped: ${SKIP_REASON}`);

describe.skipIf(!postgres)(`two vault processes on one PostgreSQL (${SKIP_REASON})`, () => {
  const a = useTestVault({ replicaId: 'replica-process-a' });
  let build: ReplicaBuild | undefined;
  let b: ReplicaProcess | undefined;
  const replica = (): ReplicaProcess => {
    if (!b) throw new Error('the replica process is not running');
    return b;
  };
  const env = () => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: a.db.url!,
    AUTHPIPE_MASTER_KEYS: a.env.AUTHPIPE_MASTER_KEYS,
    AUTHPIPE_SANDBOX: 'false',
  });

  beforeAll(async () => {
    build = buildReplica();
    b = await startReplicaProcess(build, { ...env(), HOST: '127.0.0.1', PORT: '0' });
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await build?.remove();
  });

  it('runs as a separate process listening on its own port and PostgreSQL session', async () => {
    const res = await fetch(`${replica().url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { details: { invalidationBus: unknown } };
    expect(body.details.invalidationBus).toMatchObject({ status: 'up', transport: 'postgres', listening: true });
  });

  replicaScenarios(a, replica);

  it('refuses within a second, in both vaults, a key revoked by the CLI (a third process on the database)', async () => {
    const project = await aProject(a);
    const publicId = parseApiKey(project.key)!.publicId;
    const here = inProcessReplica(a);
    expect(await replica().authenticate(project.key)).toEqual({ status: 200 });
    expect(await here.authenticate(project.key)).toEqual({ status: 200 });
    const [inB, inA] = [replica().hear('api_key.changed'), here.hear('api_key.changed')];
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-bus-cli-'));
    try {
      const revoked = await runCli(build!.cliEntry, ['key', 'revoke', project.keyId, '--project', project.projectId], {
        ...env(),
        AUTHPIPE_DATA_DIR: dataDir,
      });
      expect(revoked.code, revoked.stderr).toBe(0);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
    await Promise.all([
      inB.heard((m) => m.publicId === publicId, WITHIN_A_SECOND),
      inA.heard((m) => m.publicId === publicId, WITHIN_A_SECOND),
    ]);
    expect(await replica().authenticate(project.key)).toEqual({ status: 401, code: 'revoked_api_key' });
    expect(await here.authenticate(project.key)).toEqual({ status: 401, code: 'revoked_api_key' });
  });
});
