// A second vault as a child process (see replica-child.ts), driven as a Replica by the shared
// scenarios: HTTP to its own port, IPC for its Envelope, and every message its bus hears.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { transformFileSync, type Options } from '@swc/core';
import type { AuthOutcome, DecryptOutcome, Replica } from './replicas';
import { MessageStream, within } from './replicas';
import { buildCli } from './cli-runner';
import type { ReplicaCommand, ReplicaSignal } from './replica-child';

const repo = path.resolve(__dirname, '../..');

/** The compiled vault (as `npm run build` makes it) plus the child entry, in a directory of their own. */
export interface ReplicaBuild {
  entry: string;
  /** The CLI of the same build (a third process on the same database). */
  cliEntry: string;
  remove(): Promise<void>;
}

/**
 * Compiles apps, libs and the generated client the way the CLI e2e tests do, then the child entry
 * beside them with the same swc settings (swc.build.json excludes test/, so it is compiled here).
 */
export function buildReplica(): ReplicaBuild {
  const cli = buildCli();
  // buildCli's entry is <out>/apps/vault/src/cli/main.js.
  const out = path.resolve(cli.entry, '../../../../..');
  const {
    exclude: _exclude,
    $schema: _schema,
    ...settings
  } = JSON.parse(readFileSync(path.join(repo, 'swc.build.json'), 'utf8')) as Options & {
    exclude?: unknown;
    $schema?: unknown;
  };
  // The child imports relatively only: no path aliases to rewrite.
  const jsc = { ...settings.jsc, paths: undefined, baseUrl: undefined };
  const source = path.join(repo, 'test', 'support', 'replica-child.ts');
  const { code } = transformFileSync(source, { ...settings, jsc, swcrc: false, configFile: false, sourceMaps: false });
  const entry = path.join(out, 'test', 'support', 'replica-child.js');
  mkdirSync(path.dirname(entry), { recursive: true });
  writeFileSync(entry, code);
  return { entry, cliEntry: cli.entry, remove: cli.remove };
}

export interface ReplicaProcess extends Replica {
  /** Where it listens. */
  readonly url: string;
  /** What it printed (for a failing test's message). */
  output(): string;
  /** The next credential whose refresh holds before its commit (started with TEST_HOLD_REFRESH_COMMIT=1). */
  holding(): Promise<string>;
  /** Its resident set size now, in bytes. */
  memory(): Promise<number>;
  close(): Promise<void>;
  /** Kills the process outright (SIGKILL): no shutdown hook runs, its leases are left to expire. */
  kill(): Promise<void>;
}

/** Starts the child with exactly `env` (plus PATH) and resolves once it listens. */
export async function startReplicaProcess(build: ReplicaBuild, env: Record<string, string>): Promise<ReplicaProcess> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-replica-'));
  const child: ChildProcess = fork(build.entry, [], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', AUTHPIPE_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const messages = new MessageStream();
  const held: string[] = [];
  const holdWaiters: ((credentialId: string) => void)[] = [];
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code) => {
      const error = new Error(`the replica process exited (${code ?? 'signal'}): ${printed}`);
      for (const waiter of pending.values()) waiter.reject(error);
      reject(error);
    });
  });
  exited.catch(() => undefined);
  const ready = new Promise<string>((resolve) => {
    child.on('message', (signal: ReplicaSignal) => {
      if (signal.kind === 'ready') resolve(signal.url);
      else if (signal.kind === 'heard') messages.deliver(signal.message);
      else if (signal.kind === 'holding') {
        const waiter = holdWaiters.shift();
        if (waiter) waiter(signal.credentialId);
        else held.push(signal.credentialId);
      } else {
        const waiter = pending.get(signal.id);
        pending.delete(signal.id);
        if (signal.error !== undefined) waiter?.reject(new Error(`replica: ${signal.error}`));
        else waiter?.resolve(signal.result);
      }
    });
  });
  // Booting compiles nothing but still opens the database, checks keys and migrations: slow when loaded.
  const url = await within(90_000, Promise.race([ready, exited]), 'the replica process to listen');

  const request = <T>(body: ReplicaCommand): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: (value) => resolve(value as T), reject });
      child.send({ ...body, id });
    });
  };

  return {
    url,
    output: () => printed,
    holding: () =>
      Promise.race([
        new Promise<string>((resolve) => {
          const first = held.shift();
          if (first !== undefined) resolve(first);
          else holdWaiters.push(resolve);
        }),
        exited,
      ]),
    memory: () => request<number>({ op: 'memory' }),
    async authenticate(key): Promise<AuthOutcome> {
      const res = await fetch(`${url}/v1/tenants`, { headers: { authorization: `Bearer ${key}` } });
      if (res.status === 200) return { status: 200 };
      const body = (await res.json()) as { error?: { code?: string } };
      return { status: res.status, code: body.error?.code };
    },
    putSecret: async (scope, ref, value) => {
      await request({ op: 'putSecret', scope, ref, value });
    },
    decrypt: (ctx, ciphertext) =>
      request<DecryptOutcome>({ op: 'decrypt', ctx, ciphertext: ciphertext.toString('base64') }),
    hear: (type) => messages.hear(type),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await gone;
    },
    async close() {
      // A killed child has a signal and no exit code, and its IPC channel is closed.
      if (child.exitCode === null && child.signalCode === null) {
        await Promise.race([request({ op: 'close' }), exited]).catch(() => undefined);
        if (child.exitCode === null) child.kill();
      }
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
