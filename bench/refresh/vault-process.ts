// One vault process of the refresh benchmark (started by refresh.bench.ts, never on its own): the
// real application as main.ts builds it, on the benchmark's PostgreSQL database, with its cron
// stopped so the parent decides when it works. On `run` it ticks the refresh scheduler until a
// tick finds nothing due, then answers with what it refreshed and the CPU time it spent doing so.
import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { SchedulerRegistry } from '@nestjs/schedule';
import pg from 'pg';
import { createVaultApp } from '../../apps/vault/src/bootstrap';
import { RefreshScheduler } from '../../apps/vault/src/refresh/refresh-scheduler';

/** What the parent asks. */
export type VaultProcessCommand = { op: 'run' } | { op: 'close' };

/** What this process answers: ready once booted, then one `ran` per `run`. */
export type VaultProcessSignal =
  | { kind: 'ready' }
  | {
      kind: 'ran';
      /** Outcomes by result over the whole run (`refreshed`, `failed`, …). */
      results: Record<string, number>;
      /** SQL statements this process sent during the run. */
      statements: number;
      /** User + system CPU time of this process during the run, in microseconds. */
      cpuMicros: number;
      /** Of which user time (JavaScript, GC, the driver's and TLS's work in this process)… */
      userMicros: number;
      /** …and system time (the kernel's: socket reads and writes, epoll, page faults). */
      systemMicros: number;
      /** Resident set size at the end of the run, and the peak since the process started, in bytes. */
      rss: number;
      maxRss: number;
    };

// Every statement a pg client sends (Prisma's adapter drives the same driver), to report per refresh;
// with BENCH_SQL_LOG=<file>, the text of the first SQL_LOG_LIMIT (to see which statements a refresh sends).
let statements = 0;
const SQL_LOG = process.env.BENCH_SQL_LOG ?? '';
const SQL_LOG_LIMIT = 400;
const query = Reflect.get(pg.Client.prototype, 'query') as (this: pg.Client, ...args: unknown[]) => unknown;
Reflect.set(pg.Client.prototype, 'query', function counted(this: pg.Client, ...args: unknown[]) {
  statements += 1;
  if (SQL_LOG !== '' && statements <= SQL_LOG_LIMIT) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | undefined)?.text;
    appendFileSync(SQL_LOG, `${String(text).replace(/\s+/g, ' ').trim()}\n`);
  }
  return query.apply(this, args);
});

function send(signal: VaultProcessSignal): Promise<void> {
  return new Promise((resolve) => process.send!(signal, undefined, undefined, () => resolve()));
}

async function main(): Promise<void> {
  const app = await createVaultApp({
    replicaId: process.env.BENCH_REPLICA_ID ?? 'refresh-bench',
    logDestination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  for (const job of app.get(SchedulerRegistry).getCronJobs().values()) await job.stop();
  const scheduler = app.get(RefreshScheduler);

  process.on('message', (command: VaultProcessCommand) => {
    void (async () => {
      if (command.op === 'close') {
        await app.close();
        process.exit(0);
      }
      const results: Record<string, number> = {};
      const cpu = process.cpuUsage();
      const sent = statements;
      for (;;) {
        const tick = await scheduler.tick();
        for (const [result, count] of Object.entries(tick.results)) results[result] = (results[result] ?? 0) + count;
        if (tick.leased === 0) break;
      }
      const used = process.cpuUsage(cpu);
      await send({
        kind: 'ran',
        results,
        statements: statements - sent,
        cpuMicros: used.user + used.system,
        userMicros: used.user,
        systemMicros: used.system,
        rss: process.memoryUsage.rss(),
        // resourceUsage reports kilobytes.
        maxRss: process.resourceUsage().maxRSS * 1024,
      });
    })();
  });
  await send({ kind: 'ready' });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench vault process failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
