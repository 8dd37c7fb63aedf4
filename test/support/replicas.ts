// Replicas under test: a vault another replica's changes must reach through the invalidation bus,
// driven the same way whether it runs in this process (a TestVault) or in a child process
// (test/support/replica-process.ts). The shared scenarios live in replica-scenarios.ts.
import { CryptoIntegrityError, Envelope, type FieldContext } from '@authpipe/crypto';
import type { InvalidationMessage, InvalidationOf, InvalidationType } from '../../apps/vault/src/bus/bus.messages';
import { InvalidationBus } from '../../apps/vault/src/bus/invalidation-bus';
import { SecretsService, type SecretRef, type SecretScope } from '../../apps/vault/src/secrets/secrets.service';
import { bearer } from './builders';
import type { TestVault } from './test-vault';

/** What the first request with a key got: 200, or 401 with its error code. */
export interface AuthOutcome {
  status: number;
  code?: string;
}

/** A decrypt's result: the plaintext, or the integrity failure's reason (e.g. `data_key_missing`). */
export type DecryptOutcome = { plaintext: string } | { refused: string };

/** Messages of one type a replica hears from the moment it is armed (before the change). */
export interface Hearing<T extends InvalidationType> {
  /** The first message heard since arming that `match` accepts; rejects once `deadlineMs` passed. */
  heard(match: (message: InvalidationOf<T>) => boolean, deadlineMs: number): Promise<InvalidationOf<T>>;
}

/** A replica as the scenarios drive it. */
export interface Replica {
  /** `GET /v1/tenants` with the key, over HTTP. */
  authenticate(key: string): Promise<AuthOutcome>;
  /** Stores a secret through the replica's SecretsService (its own Envelope and DEK cache). */
  putSecret(scope: SecretScope, ref: SecretRef, value: string): Promise<void>;
  /** Opens a ciphertext through the replica's Envelope (cache first, as every read does). */
  decrypt(ctx: FieldContext, ciphertext: Buffer): Promise<DecryptOutcome>;
  /** Starts recording the messages of `type` the replica's bus hears. */
  hear<T extends InvalidationType>(type: T): Hearing<T>;
}

/** Waits for `promise` until `deadlineMs`: a deadline, not a measurement. */
export function within<T>(deadlineMs: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${deadlineMs} ms`)), deadlineMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Records what `subscribe` delivers until the first `heard` settles. Recording from arming on
 * means a message that arrives before the test knows which one it waits for is not lost.
 */
export function recording<T extends InvalidationType>(
  type: T,
  subscribe: (push: (message: InvalidationOf<T>) => void) => () => void,
): Hearing<T> {
  const seen: InvalidationOf<T>[] = [];
  let check = (): void => undefined;
  const off = subscribe((message) => {
    seen.push(message);
    check();
  });
  return {
    heard(match, deadlineMs) {
      const found = new Promise<InvalidationOf<T>>((resolve) => {
        check = () => {
          const message = seen.find(match);
          if (message) resolve(message);
        };
        check();
      });
      return within(deadlineMs, found, `a matching ${type}`).finally(off);
    },
  };
}

/** Waiters on a stream of messages (a child process forwards every message its bus hears). */
export class MessageStream {
  private readonly listeners = new Set<(message: InvalidationMessage) => void>();

  /** Feeds one received message to the recordings. */
  deliver(message: InvalidationMessage): void {
    for (const listener of [...this.listeners]) listener(message);
  }

  hear<T extends InvalidationType>(type: T): Hearing<T> {
    return recording(type, (push) => {
      const listener = (message: InvalidationMessage): void => {
        // Sound: only messages of type T are passed on.
        if (message.type === type) push(message as unknown as InvalidationOf<T>);
      };
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    });
  }
}

/** Maps a decrypt failure to the scenarios' outcome; anything but an integrity failure is a bug. */
export async function decryptOutcome(open: () => Promise<Buffer>): Promise<DecryptOutcome> {
  try {
    const plaintext = await open();
    return { plaintext: plaintext.toString('utf8') };
  } catch (error) {
    if (error instanceof CryptoIntegrityError) return { refused: error.reason };
    throw error;
  }
}

/** A TestVault of this process as a replica. */
export function inProcessReplica(vault: TestVault): Replica {
  return {
    async authenticate(key) {
      const res = await vault.api().get('/v1/tenants').set(bearer(key));
      return res.status === 200 ? { status: 200 } : { status: res.status, code: res.body.error?.code };
    },
    putSecret: (scope, ref, value) => vault.get(SecretsService).put(scope, ref, value),
    decrypt: (ctx, ciphertext) => decryptOutcome(() => vault.get(Envelope).decrypt(ctx, ciphertext)),
    hear: (type) => recording(type, (push) => vault.get(InvalidationBus).subscribe(type, push)),
  };
}
