// Time of the emulator's bulk seeding call (POST /_emulator/bulk/users, a benchmark aid, not
// Microsoft behaviour): N users with their consents and refresh tokens in one call, measured from
// request to parsed reply, then one refresh with the last token to show the tokens work. The
// emulator runs in its own process from the sources through tsx.
//
//   npx tsx bench/emulator/bulk-seed.bench.ts [--counts 10000,100000]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { HttpsClient } from '../../apps/microsoft-emulator/test/support/https-client';

const countsArg = process.argv.indexOf('--counts');
const COUNTS = (countsArg === -1 ? '10000,100000' : (process.argv[countsArg + 1] ?? '')).split(',').map(Number);

interface SeedReply {
  count: number;
  userIds: string[];
  refreshTokens?: string[];
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emulator-bulk-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/microsoft-emulator/src/main.ts'], {
    env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [firstChunk] = (await once(child.stdout, 'data')) as [Buffer];
    const baseUrl = /listening on (https:\/\/\S+)/.exec(firstChunk.toString())?.[1];
    if (!baseUrl) throw new Error(`emulator did not start: ${firstChunk.toString()}`);
    const http = new HttpsClient({ caCertPem: await readFile(path.join(dataDir, 'ca.crt'), 'utf8') });
    const seed = async (count: number, prefix: string, withGrant: boolean): Promise<[number, SeedReply, number]> => {
      const body = JSON.stringify({
        tenantId: SEED.contoso.tenantId,
        count,
        upnPrefix: prefix,
        ...(withGrant
          ? { grant: { clientId: SEED.demoApp.clientId, scopes: ['Files.ReadWrite.All', 'offline_access'] } }
          : {}),
      });
      const t0 = performance.now();
      const res = await http.send(`${baseUrl}/_emulator/bulk/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      if (res.status !== 201) throw new Error(`bulk seed answered ${res.status}: ${res.body.slice(0, 300)}`);
      const reply = JSON.parse(res.body) as SeedReply;
      return [performance.now() - t0, reply, res.body.length];
    };
    // One small call first, so module loading and JIT warm-up are not counted.
    await seed(100, 'warm-', true);
    process.stdout.write('emulator bulk seeding (sources via tsx), one call each, request to parsed reply\n');
    for (const [i, count] of COUNTS.entries()) {
      const [usersOnly] = await seed(count, `plain${i}-`, false);
      const [ms, reply, bytes] = await seed(count, `bench${i}-`, true);
      const last = reply.refreshTokens?.at(-1) ?? '';
      const refreshed = await http.send(`${baseUrl}/${SEED.contoso.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: SEED.demoApp.clientId,
          client_secret: SEED.demoApp.secretValue,
          refresh_token: last,
        }).toString(),
      });
      process.stdout.write(
        `${String(count).padStart(7)} users: ${usersOnly.toFixed(0).padStart(6)} ms users only; ${ms.toFixed(0).padStart(6)} ms with consents + refresh tokens (${(bytes / 1e6).toFixed(1)} MB reply, ${((1000 * count) / ms).toFixed(0)} users/s); last token refreshes: HTTP ${refreshed.status}\n`,
      );
    }
    http.close();
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
