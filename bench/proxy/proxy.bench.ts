/**
 * Graph proxy download throughput against a direct download from the same Graph (the emulator),
 * in one run on one machine: the vault runs as a child process (the compiled main.js on an
 * embedded database seeded here), the emulator in this process, and the client here reads each
 * body to the end without keeping it.
 *
 *   npm run bench:proxy -- [--mib 256] [--rounds 3]
 *
 * Both paths fetch `…/items/{id}/contentStream` (Graph streams the bytes itself, no redirect) with
 * the same app-only token: direct with it in Authorization, proxied with the project's API key
 * and Authpipe-Tenant-Id. Rounds alternate direct and proxied; the medians and their ratio are
 * printed (target, DESIGN.md: ≥ 80%), with the vault's resident memory before the first proxied
 * round and its peak in each (sampled from /proc every 20 ms): flat means it does not grow with
 * the bytes moved.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { newItemId } from '../../apps/microsoft-emulator/src/directory/ids';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { startEmulator } from '../../apps/microsoft-emulator/src/emulator';
import { ApiKeysService } from '../../apps/vault/src/api-keys/api-keys.service';
import { AppsService } from '../../apps/vault/src/apps/apps.service';
import { createVaultApp } from '../../apps/vault/src/bootstrap';
import { InstallationsService } from '../../apps/vault/src/installations/installations.service';
import { ProjectsService } from '../../apps/vault/src/projects/projects.service';
import { emulatorAsCustomCloud } from '../../apps/vault/src/sandbox/sandbox';

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' } },
});
const BYTES = Number(values.mib) * 1024 * 1024;
const ROUNDS = Number(values.rounds);
const MIB = 1024 * 1024;
const MARKETING = SEED.contoso.marketingSite;
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** GETs `url` and counts the body; resolves with bytes per second. */
function download(url: string, headers: Record<string, string>, ca?: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { headers, ca, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => {
        if (res.statusCode !== 200 || bytes !== BYTES)
          reject(new Error(`${url}: status ${res.statusCode}, ${bytes} bytes`));
        else resolve(bytes / ((performance.now() - started) / 1000));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** CPU time (user + system) a process has used, in milliseconds, from /proc. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Runs `work` while sampling the child's RSS; returns the result and the peak. */
async function sampled<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rssOf(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
  try {
    return { result: await work(), peak };
  } finally {
    clearInterval(timer);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mibps = (bps: number) => `${(bps / MIB).toFixed(1)} MiB/s`;

async function main(): Promise<void> {
  const emulator = await startEmulator({ dataDir: null, controlApi: false, seed: true });
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-bench-proxy-'));
  const masterKeys = `1:${randomBytes(32).toString('base64')}`;
  const custom = emulatorAsCustomCloud(emulator);
  let child: ChildProcess | undefined;
  try {
    // Seed the embedded database in this process, then close it for the child.
    process.stderr.write('seeding the vault…\n');
    const seeding = await createVaultApp({
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        AUTHPIPE_SANDBOX: 'false',
        AUTHPIPE_DATA_DIR: dataDir,
        AUTHPIPE_MASTER_KEYS: masterKeys,
      },
      microsoft: { caCertificates: [emulator.caCertPem], ...custom },
      logDestination: quiet,
      adminApi: false,
    });
    const tenantId = 'org_bench';
    let secretKey: string;
    try {
      const project = await seeding.get(ProjectsService).create({ name: 'bench' });
      secretKey = (await seeding.get(ApiKeysService).create(project.id)).secretKey;
      const app = await seeding.get(AppsService).create(project.id, {
        name: 'OneDrive',
        clientId: SEED.demoApp.clientId,
        credential: { type: 'secret', secret: SEED.demoApp.secretValue },
        cloud: 'custom',
        endpoints: { loginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl },
        homeTenantId: SEED.contoso.tenantId,
        allowedOrigins: ['https://app.example.com'],
      });
      const now = Date.now();
      await seeding.get(InstallationsService).upsertFromConsent({
        projectId: project.id,
        appId: app.id,
        tenantId,
        provider: 'microsoft-onedrive',
        directoryId: SEED.contoso.tenantId,
        cloud: 'custom',
        resourceKind: 'drive',
        resourceDriveId: MARKETING.driveId,
        resourceSiteId: null,
        resourceUser: null,
        resourceWebUrl: null,
        scopes: ['Files.ReadWrite.All'],
        consentedAt: new Date(now),
        consentedBy: SEED.contoso.admin.upn,
        // Already due: the vault's first read mints a real app-only token from the emulator.
        expiresAt: new Date(now + 1000),
        refreshAt: new Date(now),
        accessToken: 'placeholder',
        sessionId: null,
        exclusiveDirectory: false,
      });
    } finally {
      await seeding.close();
    }

    const caFile = path.join(dataDir, 'emulator-ca.pem');
    writeFileSync(caFile, emulator.caCertPem);
    const port = await freePort();
    const main = path.resolve(__dirname, '../../apps/vault/src/main.js');
    child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        AUTHPIPE_SANDBOX: 'false',
        AUTHPIPE_DATA_DIR: dataDir,
        AUTHPIPE_MASTER_KEYS: masterKeys,
        AUTHPIPE_MICROSOFT_CA_FILE: caFile,
        AUTHPIPE_CUSTOM_CLOUD_ORIGINS: custom.customCloudOrigins.join(','),
        AUTHPIPE_ALLOW_PRIVATE_NETWORKS: custom.allowPrivateNetworks.join(','),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const vaultUrl = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await fetch(`${vaultUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 600 || child.exitCode !== null) throw new Error('the vault did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const credential = await fetch(
      `${vaultUrl}/v1/credentials/microsoft-onedrive?tenantId=${tenantId}&credentialFor=installation`,
      { headers: { authorization: `Bearer ${secretKey}` } },
    );
    if (!credential.ok) throw new Error(`getCredential: ${credential.status} ${await credential.text()}`);
    const token = ((await credential.json()) as { credential: string }).credential;

    const now = new Date();
    const item = emulator.store.putItem(SEED.contoso.tenantId, {
      id: newItemId(),
      driveId: MARKETING.driveId,
      parentId: MARKETING.rootId,
      name: 'bench.bin',
      kind: 'file',
      mimeType: 'application/octet-stream',
      content: Buffer.alloc(BYTES, 0x5a),
      createdAt: now,
      lastModifiedAt: now,
      version: 1,
    });
    const graphPath = `drives/${MARKETING.driveId}/items/${item.id}/contentStream`;
    const direct = () =>
      download(`${emulator.baseUrl}/v1.0/${graphPath}`, { authorization: `Bearer ${token}` }, emulator.caCertPem);
    const proxied = () =>
      download(`${vaultUrl}/v1/proxy/microsoft-onedrive/${graphPath}`, {
        authorization: `Bearer ${secretKey}`,
        'authpipe-tenant-id': tenantId,
      });

    // Warm both paths (connections, TLS sessions, JIT, the token) with one download each.
    await direct();
    await proxied();
    const baseline = rssOf(child.pid!);
    const directRates: number[] = [];
    const proxyRates: number[] = [];
    const peaks: number[] = [];
    // CPU per MiB moved: this process (emulator + client) for each path, and the vault's for the
    // proxied one. Throughput on a shared machine follows the CPU a path needs.
    const cpu = { direct: 0, proxiedHere: 0, proxiedVault: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      let here = ownCpuMs();
      directRates.push(await direct());
      cpu.direct += ownCpuMs() - here;
      here = ownCpuMs();
      const vaultBefore = cpuMsOf(child.pid!);
      const { result, peak } = await sampled(child.pid!, proxied);
      cpu.proxiedHere += ownCpuMs() - here;
      cpu.proxiedVault += cpuMsOf(child.pid!) - vaultBefore;
      proxyRates.push(result);
      peaks.push(peak);
      process.stderr.write(
        `round ${round + 1}: direct ${mibps(directRates[round])}, proxied ${mibps(result)}, vault RSS peak ${(peak / MIB).toFixed(0)} MiB\n`,
      );
    }
    const ratio = median(proxyRates) / median(directRates);
    const perMib = (ms: number) => `${(ms / ((ROUNDS * BYTES) / MIB)).toFixed(2)} ms`;
    process.stdout.write(
      [
        `file: ${BYTES / MIB} MiB, ${ROUNDS} rounds (alternating), vault as a child process on the embedded database`,
        `direct (emulator Graph, HTTPS):  median ${mibps(median(directRates))}`,
        `proxied (vault → emulator Graph): median ${mibps(median(proxyRates))}`,
        `ratio: ${(ratio * 100).toFixed(1)}% (target ≥ 80%) ${ratio >= 0.8 ? 'PASS' : 'FAIL'}`,
        `CPU per MiB: direct ${perMib(cpu.direct)} (emulator + client); proxied ${perMib(cpu.proxiedHere)} (emulator + client) + ${perMib(cpu.proxiedVault)} (vault)`,
        `vault RSS: ${(baseline / MIB).toFixed(0)} MiB after warm-up; peak per proxied round ${peaks.map((p) => (p / MIB).toFixed(0)).join(', ')} MiB (${((Math.max(...peaks) - baseline) / MIB).toFixed(0)} MiB above, for ${((ROUNDS * BYTES) / MIB).toFixed(0)} MiB moved)`,
        '',
      ].join('\n'),
    );
  } finally {
    child?.kill();
    await emulator.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
