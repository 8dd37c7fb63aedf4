/**
 * The cold read of a credential (CredentialReader: one SQL statement, then one decryption with a
 * warm data-key cache) against raw `pg` primary-key selects of the same table, in one process,
 * with the same pool (10 connections) and the same number of reads in flight, on PostgreSQL.
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:cold-read -- [--seconds 4] [--rounds 3] [--concurrency 32] [--credentials 2000] [--via reader|service]
 *
 * `--via service` (`npm run bench:cold-get`) reads through getCredential's service instead
 * (GetCredentialService.get: the served-credential cache, the reader, the validity checks, the
 * answer, the cache fill and the read audit), the credential's cache entry dropped before each
 * read so that every read misses: the cold getCredential of the benchmarks, minus HTTP.
 *
 * Prints statements per read (counted at the `pg` driver: every query a client sends) and the
 * median reads/s of each variant over rounds run in alternating order, and their ratio; with the
 * median CPU time per read and per select of this process and of PostgreSQL (the benchmark
 * database's backends, read from /proc when the server runs on this machine, else null): steadier
 * than reads/s on a busy machine, and it shows which side a change saves. The target: the read at
 * least 50% of the raw selects.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createVaultApp } from '../../apps/vault/src/bootstrap';
import { ConnectionsService } from '../../apps/vault/src/connections/connections.service';
import { CredentialReader } from '../../apps/vault/src/credentials/credential-reader';
import { openDatabase } from '../../apps/vault/src/database/database';
import { applyMigrations, readMigrations } from '../../apps/vault/src/database/migrator';
import { AppsService } from '../../apps/vault/src/apps/apps.service';
import { ProjectsService } from '../../apps/vault/src/projects/projects.service';
import { ApiKeysService } from '../../apps/vault/src/api-keys/api-keys.service';
import { asTenantExternalId } from '../../apps/vault/src/common/tenant-ids';
import { GetCredentialService } from '../../apps/vault/src/get-credential/get-credential.service';
import { ServedCredentialCache } from '../../apps/vault/src/get-credential/served-credential-cache';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    credentials: { type: 'string', default: '2000' },
    via: { type: 'string', default: 'reader' },
  },
});
if (values.via !== 'reader' && values.via !== 'service') throw new Error('--via is reader or service');
const VIA = values.via;
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const CREDENTIALS = Number(values.credentials);
const TENANTS = Math.max(1, Math.floor(CREDENTIALS / 20));

// Every query a pg client sends, Prisma's included (its adapter drives the same pool).
let statements = 0;
const send = Reflect.get(pg.Client.prototype, 'query') as (this: pg.Client, ...args: unknown[]) => unknown;
Reflect.set(pg.Client.prototype, 'query', function counted(this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return send.apply(this, args);
});

interface Round {
  perSecond: number;
  /** This process's CPU time per operation, µs. */
  cpuUs: number;
  /** PostgreSQL's (the benchmark database's backends) CPU time per operation, µs; null where unreadable. */
  serverCpuUs: number | null;
}

/**
 * CPU time (µs) of each backend of `database`, read from /proc: PostgreSQL shares the machine
 * with the benchmark, so what it spends per read counts as much as what this process spends.
 * Null when the server's processes cannot be read (another host, another namespace).
 */
async function serverCpu(admin: pg.Client, database: string): Promise<Map<number, number> | null> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
    database,
  ]);
  const times = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
      // utime and stime, fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux) after the ")".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(pid, (Number(fields[11]) + Number(fields[12])) * 10_000);
    } catch {
      return null;
    }
  }
  return times;
}

/**
 * Runs `read` with CONCURRENCY in flight for SECONDS: reads per second, and the CPU time per read
 * of this process and of PostgreSQL (steadier than reads/s when other work shares the machine).
 */
async function throughput(
  read: (i: number) => Promise<unknown>,
  server: () => Promise<Map<number, number> | null>,
): Promise<Round> {
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  const worker = async (w: number) => {
    for (let i = w; performance.now() < deadline; i += CONCURRENCY) {
      await read(i);
      done += 1;
    }
  };
  const serverBefore = await server();
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const used = process.cpuUsage(cpu);
  const perSecond = done / ((performance.now() - start) / 1000);
  const serverAfter = await server();
  let serverUs: number | null = null;
  if (serverBefore !== null && serverAfter !== null) {
    serverUs = 0;
    for (const [pid, us] of serverAfter) serverUs += us - (serverBefore.get(pid) ?? 0);
  }
  return {
    perSecond,
    cpuUs: (used.user + used.system) / done,
    serverCpuUs: serverUs === null ? null : serverUs / done,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const medianOrNull = (xs: (number | null)[]) => (xs.every((x) => x !== null) ? Math.round(median(xs)) : null);

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('Set DATABASE_URL to a PostgreSQL server: the benchmark creates a database of its own there.');
  const name = `authpipe_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-bench-'));
  const db = await openDatabase({ url: dbUrl.toString() });
  const raw = new pg.Pool({ connectionString: dbUrl.toString(), max: 10 });
  // A client the server ends (the database dropped at the end) must not crash the benchmark.
  raw.on('error', () => undefined);
  try {
    await applyMigrations(db, await readMigrations());
    const app = await createVaultApp({
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        AUTHPIPE_SANDBOX: 'false',
        AUTHPIPE_DATA_DIR: dataDir,
        AUTHPIPE_MASTER_KEYS: `1:${randomBytes(32).toString('base64')}`,
      },
      database: db,
      logDestination: new Writable({ write: (_c, _e, done) => done() }),
    });
    try {
      const project = await app.get(ProjectsService).create({ name: 'bench' });
      const created = await app.get(AppsService).create(project.id, {
        name: 'bench',
        clientId: '11111111-2222-4333-8444-555555555555',
        credential: { type: 'secret', secret: 'bench-secret-value' },
        allowedOrigins: ['https://app.example.com'],
      });
      process.stderr.write(`seeding ${CREDENTIALS} connections over ${TENANTS} tenants…\n`);
      const ids: { tenant: string; user: string; id: string }[] = [];
      const connections = app.get(ConnectionsService);
      const now = Date.now();
      for (let i = 0; i < CREDENTIALS; i++) {
        const tenant = `org_${i % TENANTS}`;
        const user = `user_${i}`;
        const { connection } = await connections.upsertFromCode({
          projectId: project.id,
          tenantId: tenant,
          userId: user,
          appId: created.id,
          provider: 'microsoft-onedrive',
          installationId: null,
          oid: `oid-${i}`,
          tid: '00000000-0000-4000-8000-000000000001',
          upn: `${user}@example.com`,
          scopes: ['User.Read', 'Files.ReadWrite.All', 'offline_access'],
          expiresAt: new Date(now + 3600_000),
          refreshAt: new Date(now + 3000_000),
          keepAliveAt: new Date(now + 14 * 86_400_000),
          accessToken: randomBytes(900).toString('base64url'),
          refreshToken: randomBytes(700).toString('base64url'),
          sessionId: null,
        });
        ids.push({ tenant, user, id: connection.id });
      }
      const reader = app.get(CredentialReader);
      const service = app.get(GetCredentialService);
      const cache = app.get(ServedCredentialCache);
      const caller = { projectId: project.id, apiKeyId: (await app.get(ApiKeysService).create(project.id)).id };
      const cold =
        VIA === 'reader'
          ? (i: number) => {
              const c = ids[i % ids.length];
              return reader.read(project.id, asTenantExternalId(c.tenant), 'microsoft-onedrive', {
                credentialFor: 'user',
                userId: c.user,
              });
            }
          : (i: number) => {
              const c = ids[i % ids.length];
              // A miss every time: what another read of this credential cached is dropped first.
              cache.dropCredential(c.id);
              return service.get(caller, {
                provider: 'microsoft-onedrive',
                tenantExternalId: asTenantExternalId(c.tenant),
                subject: { credentialFor: 'user', userId: c.user },
                forceRefresh: false,
              });
            };
      const select = (i: number) => raw.query('SELECT * FROM connections WHERE id = $1', [ids[i % ids.length].id]);
      const server = () => serverCpu(admin, name);
      // Warm the pools and the data-key cache of every tenant.
      for (let i = 0; i < TENANTS; i++) await cold(i);
      await throughput(select, server);

      statements = 0;
      for (let i = 0; i < 1000; i++) await cold(i);
      const perRead = statements / 1000;

      const reads: Round[] = [];
      const selects: Round[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        if (round % 2 === 0) {
          reads.push(await throughput(cold, server));
          selects.push(await throughput(select, server));
        } else {
          selects.push(await throughput(select, server));
          reads.push(await throughput(cold, server));
        }
      }
      const ratio = median(reads.map((r, i) => r.perSecond / selects[i].perSecond));
      const result = {
        via: VIA,
        statementsPerRead: perRead,
        coldReadsPerSecond: Math.round(median(reads.map((r) => r.perSecond))),
        rawSelectsPerSecond: Math.round(median(selects.map((s) => s.perSecond))),
        ratio: Number(ratio.toFixed(3)),
        // This process's CPU time per operation (µs): the vault's own cost, PostgreSQL's excluded.
        cpuUsPerRead: Math.round(median(reads.map((r) => r.cpuUs))),
        cpuUsPerSelect: Math.round(median(selects.map((s) => s.cpuUs))),
        serverCpuUsPerRead: medianOrNull(reads.map((r) => r.serverCpuUs)),
        serverCpuUsPerSelect: medianOrNull(selects.map((s) => s.serverCpuUs)),
        target: 0.5,
        concurrency: CONCURRENCY,
        pool: 10,
        credentials: CREDENTIALS,
        cpus: os.cpus().length,
        loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
      };
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } finally {
      await app.close();
    }
  } finally {
    await raw.end();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
