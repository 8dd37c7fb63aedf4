// The entry of a second vault process for the two-process bus tests: the real application, built
// as main.ts builds it (createVaultApp from the compiled dist-like output, its own PORT), over the
// parent's PostgreSQL database. Over IPC it answers what HTTP cannot show (its own Envelope and
// DEK cache at work) and forwards every invalidation message its bus hears. Started by
// replica-process.ts; never imported by a test.
import { CryptoIntegrityError, Envelope, type FieldContext } from '../../libs/crypto/src/index';
import { createVaultApp } from '../../apps/vault/src/bootstrap';
import type { InvalidationMessage } from '../../apps/vault/src/bus/bus.messages';
import { InvalidationBus } from '../../apps/vault/src/bus/invalidation-bus';
import { CredentialStateWriter } from '../../apps/vault/src/credentials/credential-state-writer';
import { SecretsService, type SecretRef, type SecretScope } from '../../apps/vault/src/secrets/secrets.service';
// Types only: test/support pulls in vitest, which has no place in this process.
import type { DecryptOutcome } from './replicas';

/** What the parent asks. */
export type ReplicaCommand =
  | { op: 'putSecret'; scope: SecretScope; ref: SecretRef; value: string }
  | { op: 'decrypt'; ctx: FieldContext; ciphertext: string }
  /** This process's resident set size now, in bytes (the proxy's memory tests sample it). */
  | { op: 'memory' }
  | { op: 'close' };

/** A command with the id its reply carries. */
export type ReplicaRequest = ReplicaCommand & { id: number };

/** What the child sends: a reply to a request, or an event. */
export type ReplicaSignal =
  | { kind: 'reply'; id: number; result?: DecryptOutcome | number | null; error?: string }
  | { kind: 'ready'; url: string }
  | { kind: 'heard'; message: InvalidationMessage }
  /** TEST_HOLD_REFRESH_COMMIT: a refresh got Microsoft's reply and now waits, before its commit, to be killed. */
  | { kind: 'holding'; credentialId: string };

function send(signal: ReplicaSignal): Promise<void> {
  return new Promise((resolve) => process.send!(signal, undefined, undefined, () => resolve()));
}

async function main(): Promise<void> {
  // Several children (the refresh replicas test) name themselves apart.
  const app = await createVaultApp({ replicaId: process.env.TEST_REPLICA_ID ?? 'replica-process-b' });
  if (process.env.TEST_HOLD_REFRESH_COMMIT === '1') holdRefreshCommits(app.get(CredentialStateWriter));
  const bus = app.get(InvalidationBus);
  const forward = (message: InvalidationMessage): void => void send({ kind: 'heard', message });
  bus.subscribe('data_key.changed', forward);
  bus.subscribe('api_key.changed', forward);
  bus.subscribe('credential.changed', forward);
  await app.listen({ host: '127.0.0.1', port: 0 });

  process.on('message', (request: ReplicaRequest) => {
    void (async () => {
      try {
        switch (request.op) {
          case 'putSecret':
            await app.get(SecretsService).put(request.scope, request.ref, request.value);
            return await send({ kind: 'reply', id: request.id, result: null });
          case 'decrypt': {
            const ciphertext = Buffer.from(request.ciphertext, 'base64');
            const result = await app
              .get(Envelope)
              .decrypt(request.ctx, ciphertext)
              .then(
                (plaintext): DecryptOutcome => ({ plaintext: plaintext.toString('utf8') }),
                (error: unknown): DecryptOutcome => {
                  if (error instanceof CryptoIntegrityError) return { refused: error.reason };
                  throw error;
                },
              );
            return await send({ kind: 'reply', id: request.id, result });
          }
          case 'memory':
            return await send({ kind: 'reply', id: request.id, result: process.memoryUsage.rss() });
          case 'close':
            await app.close();
            await send({ kind: 'reply', id: request.id, result: null });
            process.exit(0);
        }
      } catch (error) {
        await send({ kind: 'reply', id: request.id, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  await send({ kind: 'ready', url: await app.getUrl() });
}

/**
 * Test-only, in this test entry (production code has no such switch): a refresh that got its new
 * token set from Microsoft tells the parent and never reaches its commit, so the parent can kill
 * this process exactly between Microsoft's reply and the commit.
 */
function holdRefreshCommits(writer: CredentialStateWriter): void {
  writer.refreshed = async (_kind, row) => {
    await send({ kind: 'holding', credentialId: row.id });
    return new Promise<never>(() => undefined);
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`replica failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
