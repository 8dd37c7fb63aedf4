// Token endpoint ceiling of the emulator: requests/s for client credentials and for refresh, over
// HTTPS with keep-alive, on loopback. The emulator runs in its own process, so the load generator
// does not share its event loop: from the sources through tsx by default (no build needed: every
// emulator provider names its dependencies with @Inject), or with --dist from `npm run build`'s output.
//
//   npx tsx bench/emulator/emulator.bench.ts [--seconds 5] [--max 50000] [--concurrency 32] [--dist]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { HttpsClient } from '../../apps/microsoft-emulator/test/support/https-client';
import { completeSignIn, pkce } from '../../apps/microsoft-emulator/test/support/emulator-fixture';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

const SECONDS = option('seconds', 5);
const MAX_REQUESTS = option('max', 50_000);
const CONCURRENCY = option('concurrency', 32);
const REDIRECT = 'http://localhost:3000/oauth/callback';
const FROM_DIST = process.argv.includes('--dist');
const EMULATOR_ARGS = FROM_DIST
  ? ['dist/apps/microsoft-emulator/src/main.js']
  : ['--import', 'tsx', 'apps/microsoft-emulator/src/main.ts'];

interface Result {
  name: string;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
}

async function load(name: string, http: HttpsClient, url: string, body: () => string): Promise<Result> {
  const latencies: number[] = [];
  let failures = 0;
  let started = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const begin = performance.now();
  async function worker(): Promise<void> {
    while (started < MAX_REQUESTS && performance.now() < deadline) {
      started++;
      const t0 = performance.now();
      const res = await http.send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body(),
      });
      latencies.push(performance.now() - t0);
      if (res.status !== 200) failures++;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - begin) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    name,
    requests: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    failures,
  };
}

/**
 * A bare node:https JSON endpoint with the emulator's own certificate, in its own process: the
 * machine's HTTPS ceiling in the same run, so the figures can be read as ratios on a noisy box.
 */
async function startBaseline(dataDir: string): Promise<{ url: string; child: ReturnType<typeof spawn> }> {
  const script = [
    "const fs = require('node:fs'); const https = require('node:https'); const path = require('node:path');",
    'const dir = process.argv[1];',
    "const server = https.createServer({ key: fs.readFileSync(path.join(dir, 'tls.key')), cert: fs.readFileSync(path.join(dir, 'tls.crt')) }, (req, res) => {",
    "  req.resume(); req.on('end', () => { res.setHeader('content-type', 'application/json'); res.end('{\"token_type\":\"Bearer\"}'); });",
    '});',
    "server.keepAliveTimeout = 72000; server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port)));",
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [port] = (await once(child.stdout, 'data')) as [Buffer];
  return { url: `https://127.0.0.1:${port.toString()}/token`, child };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emulator-bench-'));
  const child = spawn(process.execPath, EMULATOR_ARGS, {
    env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [firstChunk] = (await once(child.stdout, 'data')) as [Buffer];
    const baseUrl = /listening on (https:\/\/\S+)/.exec(firstChunk.toString())?.[1];
    if (!baseUrl) throw new Error(`emulator did not start: ${firstChunk.toString()}`);
    const http = new HttpsClient({ caCertPem: await readFile(path.join(dataDir, 'ca.crt'), 'utf8') });
    const tokenUrl = `${baseUrl}/${SEED.contoso.tenantId}/oauth2/v2.0/token`;
    const secretForm = { client_id: SEED.demoApp.clientId, client_secret: SEED.demoApp.secretValue };

    const { verifier, challenge } = pkce();
    const authorize = `${baseUrl}/${SEED.contoso.tenantId}/oauth2/v2.0/authorize?client_id=${SEED.demoApp.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=${encodeURIComponent('openid profile offline_access Files.ReadWrite.All')}&code_challenge=${challenge}&code_challenge_method=S256`;
    const code = new URL(
      (await completeSignIn(http, authorize, SEED.contoso.adele.upn)).location as string,
    ).searchParams.get('code') as string;
    const redeemed = await http.send(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...secretForm,
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
      }).toString(),
    });
    const refreshToken = (JSON.parse(redeemed.body) as { refresh_token: string }).refresh_token;

    const clientCredentials = new URLSearchParams({
      ...secretForm,
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
    }).toString();
    // Old refresh tokens stay valid after rotation, so one token can be refreshed over and over.
    const refresh = new URLSearchParams({
      ...secretForm,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    }).toString();
    const baseline = await startBaseline(dataDir);
    await load('warm-up', http, tokenUrl, () => clientCredentials);
    const results = [
      await load('bare https (baseline)', http, baseline.url, () => clientCredentials),
      await load('client_credentials', http, tokenUrl, () => clientCredentials),
      await load('refresh_token', http, tokenUrl, () => refresh),
    ];
    baseline.child.kill('SIGTERM');
    http.close();
    process.stdout.write(
      `emulator token endpoint (${FROM_DIST ? 'dist build' : 'sources via tsx'}), ${CONCURRENCY} keep-alive connections, ${SECONDS}s or ${MAX_REQUESTS} requests each\n`,
    );
    const ceiling = results[0]?.perSecond ?? 1;
    for (const r of results) {
      const ratio = `${((100 * r.perSecond) / ceiling).toFixed(0)}% of baseline`;
      process.stdout.write(
        `${r.name.padEnd(22)} ${r.perSecond.toFixed(0).padStart(7)} req/s  ${ratio.padEnd(17)} p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.requests} requests, ${r.failures} failures)\n`,
      );
    }
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
