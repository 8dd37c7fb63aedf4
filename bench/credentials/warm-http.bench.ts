/**
 * Warm getCredential over HTTP against a bare Fastify endpoint that returns a body of the same
 * size, measured in one run: each server runs alone in a child process pinned to one core and the
 * load generator (autocannon) in another child pinned to the other core (`taskset`), so the two
 * never share a core. Rounds alternate the order of the two servers.
 *
 *   npm run bench:warm-http -- [--seconds 5] [--rounds 3] [--warmup 20] [--connections 32] [--server-cpu 1] [--load-cpu 0]
 *
 * Prints the median requests/s of each and their ratio (target: ≥ 0.70), each server's CPU time per
 * request (user + system, from /proc; bare ÷ vault is the ratio a core-bound server shows, and
 * steadier than requests/s on a busy machine), then the vault's latency
 * percentiles at half of its measured maximum rate, sent at an even pace (target: p99 ≤ 2 ms; see
 * `paced` for why not autocannon's own rate limit), beside the bare route's percentiles under the same
 * paced load (the floor this generator and machine measure: a pause of the generator counts against
 * every request it delays, so a busy machine shows in both). Measured on this kind of machine (a
 * 2-core Firecracker VM), that floor is far above 2 ms even when idle: the bare route at 2,000
 * req/s, 3 % of its capacity, shows p99 10–20 ms and max 20–40 ms, pinned or not, with or without
 * V8's GC helper threads — pauses of the virtual CPUs, not of either program. So it also prints
 * the vault's own histogram of those requests (`inServer`, see {@link servedDurations}). The vault runs on its
 * embedded PGlite default: a warm read touches no database (the API key and the served credential
 * both come from memory), so the database does not matter here.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { ApiKeysService } from '../../apps/vault/src/api-keys/api-keys.service';
import { AppsService } from '../../apps/vault/src/apps/apps.service';
import { createVaultApp } from '../../apps/vault/src/bootstrap';
import { ConnectionsService } from '../../apps/vault/src/connections/connections.service';
import { ProjectsService } from '../../apps/vault/src/projects/projects.service';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    'server-cpu': { type: 'string', default: '1' },
    'load-cpu': { type: 'string', default: '0' },
    url: { type: 'string' },
    authorization: { type: 'string' },
    rate: { type: 'string' },
    size: { type: 'string' },
  },
});

/** A server child prints one line, `ready <json>`, once it listens. */
interface Ready {
  url: string;
  authorization?: string;
  bodyBytes: number;
}

function announce(ready: Ready): void {
  process.stdout.write(`ready ${JSON.stringify(ready)}\n`);
}

/** The vault with one project, one API key and one user connection whose token is valid for an hour. */
async function serveVault(): Promise<void> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-bench-warm-'));
  const app = await createVaultApp({
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      AUTHPIPE_SANDBOX: 'false',
      AUTHPIPE_DATA_DIR: dataDir,
      AUTHPIPE_MASTER_KEYS: `1:${randomBytes(32).toString('base64')}`,
      // The per-key limit stays on (its hook runs on every request, as in production) but far
      // above what one core can serve in a window: the default (6,000 a minute) would answer 429.
      AUTHPIPE_RATE_LIMIT_PER_KEY: String(1_000_000_000),
    },
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const project = await app.get(ProjectsService).create({ name: 'bench' });
  const key = await app.get(ApiKeysService).create(project.id, { name: 'bench' });
  const created = await app.get(AppsService).create(project.id, {
    name: 'bench',
    clientId: '11111111-2222-4333-8444-555555555555',
    credential: { type: 'secret', secret: 'bench-secret-value' },
    allowedOrigins: ['https://app.example.com'],
  });
  const now = Date.now();
  await app.get(ConnectionsService).upsertFromCode({
    projectId: project.id,
    tenantId: 'org_bench',
    userId: 'user_bench',
    appId: created.id,
    provider: 'microsoft-onedrive',
    installationId: null,
    oid: 'oid-bench',
    tid: '00000000-0000-4000-8000-000000000001',
    upn: 'user_bench@example.com',
    scopes: ['User.Read', 'Files.ReadWrite.All', 'offline_access'],
    expiresAt: new Date(now + 3600_000),
    refreshAt: new Date(now + 3000_000),
    keepAliveAt: new Date(now + 14 * 86_400_000),
    accessToken: randomBytes(1200).toString('base64url'),
    refreshToken: randomBytes(700).toString('base64url'),
    sessionId: null,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `${await app.getUrl()}/v1/credentials/microsoft-onedrive?tenantId=org_bench&userId=user_bench&credentialFor=user`;
  const authorization = `Bearer ${key.secretKey}`;
  const probe = await fetch(url, { headers: { authorization } });
  const body = await probe.text();
  if (probe.status !== 200) throw new Error(`the vault answered ${probe.status}: ${body}`);
  announce({ url, authorization, bodyBytes: Buffer.byteLength(body) });
  const stop = async () => {
    await app.close();
    await fs.rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
}

/** A bare Fastify route answering a fixed JSON body of the given size: the ceiling for the machine. */
async function serveBare(size: number): Promise<void> {
  const server = Fastify({ logger: false });
  // A JSON object of exactly `size` bytes, serialised per request as the vault's body is.
  const filler = 'x'.repeat(Math.max(0, size - '{"credential":""}'.length));
  server.get('/v1/credentials/microsoft-onedrive', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { credential: filler };
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  announce({ url: `http://127.0.0.1:${address.port}/v1/credentials/microsoft-onedrive`, bodyBytes: size });
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

/** The load generator: one run, its result as JSON on stdout. */
async function load(): Promise<void> {
  const rate = values.rate ? Number(values.rate) : undefined;
  const result = rate ? await paced(rate) : await saturating();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Closed loop, as many requests as the server answers (autocannon, every connection always busy). */
async function saturating(): Promise<LoadResult> {
  const result = await autocannon({
    url: values.url!,
    headers: values.authorization ? { authorization: values.authorization } : {},
    connections: Number(values.connections),
    duration: Number(values.seconds),
  });
  return {
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  };
}

/**
 * Open loop at an even `rate`: request i is due at start + i / rate, sent then (or as soon as
 * the generator's loop gets to it) over a pool of `connections` keep-alive sockets, and its
 * latency runs from when it was due to the end of its body, so a server stall counts against
 * every request it delays (no coordinated omission).
 *
 * Not autocannon's `overallRate`: that gives each connection a quota per second and lets it send
 * back to back until the quota is spent, so "half load" was half of each second at full load
 * (32 requests in flight) and half idle; and it then adds coordinated-omission corrections for
 * an expected interval of 1 ms. Its p99 measured the saturated server, not one at half load.
 */
async function paced(rate: number): Promise<LoadResult> {
  const target = new URL(values.url!);
  const pool = new Pool(target.origin, { connections: Number(values.connections), pipelining: 1 });
  try {
    // This generator is a fresh process: its first requests pay for opening the sockets and for
    // compiling undici's and this loop's code, and an open loop queues everything due meanwhile.
    // A second of the same pace first, not recorded, so the percentiles are the server's.
    await pacedRun(pool, target, rate, 1000);
    return await pacedRun(pool, target, rate, Number(values.seconds) * 1000);
  } finally {
    await pool.close();
  }
}

/** One paced run over `pool` (see {@link paced}). */
async function pacedRun(pool: Pool, target: URL, rate: number, durationMs: number): Promise<LoadResult> {
  const headers = values.authorization ? { authorization: values.authorization } : {};
  const path = `${target.pathname}${target.search}`;
  const total = Math.round((rate * durationMs) / 1000);
  const latencies = new Float64Array(total);
  let failures = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const send = (i: number, due: number) => {
    const done = pool
      .request({ method: 'GET', path, headers })
      .then(async ({ statusCode, body }) => {
        await body.dump();
        if (statusCode !== 200) failures++;
      })
      .catch(() => {
        failures++;
      })
      .then(() => {
        latencies[i] = performance.now() - due;
        inFlight.delete(done);
      });
    inFlight.add(done);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      for (; sent < due; sent++) send(sent, start + (sent * 1000) / rate);
      if (sent >= total) resolve();
      else setImmediate(tick);
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));
  return {
    requestsPerSecond: total / elapsedS,
    total,
    failures,
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Number(sorted[sorted.length - 1].toFixed(2)) },
  };
}

// ---- the orchestrator ----

const compiled = process.argv[1];

function pinned(cpu: string, args: string[]): ChildProcess {
  return spawn('taskset', ['-c', cpu, process.execPath, compiled, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function firstLine(child: ChildProcess, prefix: string): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) if (line.startsWith(prefix)) return line.slice(prefix.length);
  throw new Error(`the child exited before printing "${prefix}"`);
}

async function startServer(args: string[]): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = pinned(values['server-cpu'], args);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`server ${args.join(' ')} exited with ${code}`))),
  );
  const ready = JSON.parse(await Promise.race([firstLine(child, 'ready '), exited])) as Ready;
  return { child, ready };
}

interface LoadResult {
  requestsPerSecond: number;
  /** The server's CPU time per request over the run, µs (set by {@link measuredLoad}). */
  serverCpuMicrosPerRequest?: number;
  total: number;
  failures: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

/**
 * CPU time (user + system) a server process has used so far, in microseconds, from
 * /proc/<pid>/stat (taskset execs the server, so the child's pid is the server's). A busy or
 * noisy machine changes how many requests a second a server gets through, much less what each
 * one costs it: CPU per request is the steadier figure to compare two servers by.
 */
async function cpuMicrosOf(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime and stime (fields 14 and 15)
  return (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
}
/** USER_HZ: 100 on Linux for x86 and arm (what /proc reports times in). */
const CLOCK_TICKS_PER_SECOND = 100;

async function runLoad(ready: Ready, rate?: number, seconds = values.seconds): Promise<LoadResult> {
  const args = ['--role', 'load', '--url', ready.url, '--seconds', seconds, '--connections', values.connections];
  if (ready.authorization) args.push('--authorization', ready.authorization);
  if (rate) args.push('--rate', String(Math.round(rate)));
  const child = pinned(values['load-cpu'], args);
  const result = JSON.parse(await firstLine(child, '{').then((rest) => `{${rest}`)) as LoadResult;
  if (result.failures > 0) throw new Error(`${result.failures} requests failed against ${ready.url}`);
  return result;
}

/** {@link runLoad} with the server's CPU time per request over the run. */
async function measuredLoad(server: { child: ChildProcess; ready: Ready }): Promise<LoadResult> {
  const before = await cpuMicrosOf(server.child.pid!);
  const result = await runLoad(server.ready);
  const used = (await cpuMicrosOf(server.child.pid!)) - before;
  return { ...result, serverCpuMicrosPerRequest: used / result.total };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * The vault's own histogram of getCredential's 200s (`authpipe_http_request_duration_seconds`, from
 * its /metrics): cumulative counts by bucket bound in seconds. Measured inside the server, from
 * Fastify taking the request up to its response: a pause of the generator or the network is not
 * in it, nor is the time a request waited in its socket while the server's loop was busy with
 * others; a pause while the server handles it is. A complement to the generator's figures, not a
 * replacement.
 */
async function servedDurations(url: string): Promise<Map<number, number>> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const counts = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('authpipe_http_request_duration_seconds_bucket{')) continue;
    if (!line.includes('route="/v1/credentials/:provider"') || !line.includes('status_code="200"')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    counts.set(bound, (counts.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/**
 * What the histogram says of the requests between two readings: the share answered within 2 ms
 * and the bucket bounds under which 50 % and 99 % of them were answered (bounds, not exact
 * percentiles: the histogram has buckets, not samples).
 */
function serverPercentiles(before: Map<number, number>, after: Map<number, number>) {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const within = (bound: number) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
  const total = within(Number.POSITIVE_INFINITY);
  const bound = (q: number) => {
    const b = bounds.find((x) => within(x) >= q * total);
    return b === undefined || b === Number.POSITIVE_INFINITY ? null : b * 1000;
  };
  return {
    requests: total,
    shareWithin2Ms: total > 0 ? Number((within(0.002) / total).toFixed(4)) : null,
    p50AtMostMs: bound(0.5),
    p99AtMostMs: bound(0.99),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (os.cpus().length < 2)
    throw new Error('This benchmark pins the server and the load generator to two different cores.');
  process.stderr.write('starting the vault…\n');
  const vault = await startServer(['--role', 'vault']);
  const bare = await startServer(['--role', 'bare', '--size', String(vault.ready.bodyBytes)]);
  try {
    // Warm both (JIT, the served-credential cache, keep-alive sockets). The vault takes longer to
    // settle than the bare route: under a steady load its CPU per request kept falling for about
    // 20 s (100 → 55–60 µs on a 2-core VM), so a 5 s warm-up measured its first rounds unsettled.
    await runLoad(vault.ready, undefined, values.warmup);
    await runLoad(bare.ready, undefined, values.warmup);
    const vaultRates: number[] = [];
    const bareRates: number[] = [];
    const vaultCpu: number[] = [];
    const bareCpu: number[] = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      const order = round % 2 === 0 ? ['vault', 'bare'] : ['bare', 'vault'];
      for (const which of order) {
        const result = await measuredLoad(which === 'vault' ? vault : bare);
        (which === 'vault' ? vaultRates : bareRates).push(result.requestsPerSecond);
        (which === 'vault' ? vaultCpu : bareCpu).push(result.serverCpuMicrosPerRequest!);
        process.stderr.write(
          `round ${round + 1}: ${which} ${Math.round(result.requestsPerSecond)} req/s, ` +
            `${result.serverCpuMicrosPerRequest!.toFixed(1)} µs server CPU per request\n`,
        );
      }
    }
    const vaultMax = median(vaultRates);
    const before = await servedDurations(vault.ready.url);
    const halfLoad = await runLoad(vault.ready, vaultMax / 2);
    const inServer = serverPercentiles(before, await servedDurations(vault.ready.url));
    // The same paced load against the bare route: the floor of what this generator and machine
    // measure at that rate (a generator's own pause counts against the requests it delays).
    const bareAtHalfLoad = await runLoad(bare.ready, vaultMax / 2);
    // Open loop: a generator (or server) that fell behind the pace shows as queueing in every
    // percentile; say so rather than let it pass for the server's latency at half load.
    if (halfLoad.requestsPerSecond < 0.95 * (vaultMax / 2))
      process.stderr.write(
        `half load: ${Math.round(halfLoad.requestsPerSecond)} req/s sent of ${Math.round(vaultMax / 2)} asked: ` +
          'the pace was not kept (a busy machine?), so the latencies include queueing behind it\n',
      );
    const ratio = median(vaultRates.map((rate, i) => rate / bareRates[i]));
    process.stdout.write(
      `${JSON.stringify(
        {
          vaultRequestsPerSecond: Math.round(vaultMax),
          bareFastifyRequestsPerSecond: Math.round(median(bareRates)),
          ratio: Number(ratio.toFixed(3)),
          ratioTarget: 0.7,
          // What each request cost each server's process (user + system CPU, µs) and bare ÷ vault:
          // the throughput ratio a server bound by its own core would show, and much steadier than
          // requests/s when other work shares the machine.
          serverCpuMicrosPerRequest: {
            vault: Number(median(vaultCpu).toFixed(1)),
            bare: Number(median(bareCpu).toFixed(1)),
            ratio: Number(median(vaultCpu.map((cpu, i) => bareCpu[i] / cpu)).toFixed(3)),
          },
          atHalfLoad: {
            targetRequestsPerSecond: Math.round(vaultMax / 2),
            requestsPerSecond: Math.round(halfLoad.requestsPerSecond),
            latencyMs: halfLoad.latencyMs,
            bareFastifyLatencyMs: bareAtHalfLoad.latencyMs,
            inServer,
          },
          p99TargetMs: 2,
          bodyBytes: vault.ready.bodyBytes,
          connections: Number(values.connections),
          seconds: Number(values.seconds),
          cpus: { server: values['server-cpu'], load: values['load-cpu'] },
          loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await stopServer(vault.child);
    await stopServer(bare.child);
  }
}

const roles: Record<string, () => Promise<void>> = {
  main,
  vault: serveVault,
  bare: () => serveBare(Number(values.size)),
  load,
};

void (roles[values.role] ?? main)().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
