// Reads certificate credentials off the event loop: the whole PFX/PEM unpack, decryption and
// thumbprint run in a worker thread (certificate-worker.ts) with a time limit. The iteration caps
// (pbe-cost.ts) refuse the costly inputs we know of before any derivation; the time limit is the
// backstop for the ones we do not, so that no input can hold health checks or other requests.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  CertificateCredentialError,
  type CertificateErrorDetails,
  type CertificateErrorReason,
} from './certificate-errors';
import { certificateInputSchema, type CertificateCredential, type CertificateInput } from './certificates';
import { WorkerTaskRunner, WorkerTimeoutError, type WorkerTaskOptions } from './worker-task';

/** What the main thread sends the worker. */
export interface CertificateTask {
  input: CertificateInput;
  nowMs: number;
}

/** What the worker answers: the credential, a refusal safe to show, or only the name of an unexpected error. */
export type CertificateOutcome =
  | { ok: true; credential: CertificateCredential }
  | { ok: false; reason: CertificateErrorReason; message: string; details: CertificateErrorDetails }
  | { ok: false; unexpected: string };

/**
 * 10 s: the costliest file the caps let through (a 100,000-iteration MAC and two 100,000-iteration
 * PKCS#12 3DES encryptions, whose KDF only forge's JavaScript implements) read in ~2.5 s on a busy
 * 2-core machine, so no file the caps accept meets the limit; files as tools write them read in
 * well under 100 ms. The limit is the backstop for a cost nobody foresaw.
 */
export const DEFAULT_CERTIFICATE_PARSE_TIMEOUT_MS = 10_000;

/**
 * One reading thread beside the event loop on a 2-core machine, two on larger ones: uploads are
 * rare admin calls, and the cores stay with the requests that are not.
 */
const DEFAULT_MAX_CONCURRENT = Math.max(1, Math.min(2, availableParallelism() - 1));

export type CertificateParserOptions = Partial<WorkerTaskOptions>;

/** The worker script beside this file: `.ts` from the sources (Vitest), `.js` from the build. */
function defaultScript(): string {
  return path.join(__dirname, `certificate-worker${path.extname(__filename)}`);
}

/** Parses certificate credentials in worker threads. One per process; `close()` at shutdown. */
export class CertificateParser {
  private readonly runner: WorkerTaskRunner<CertificateTask, CertificateOutcome>;
  private readonly timeoutMs: number;

  /** `script`: a worker speaking certificate-worker.ts's protocol (tests inject slow ones). */
  constructor(options: CertificateParserOptions = {}, script: string | URL = defaultScript()) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CERTIFICATE_PARSE_TIMEOUT_MS;
    this.runner = new WorkerTaskRunner(script, {
      maxConcurrent: DEFAULT_MAX_CONCURRENT,
      maxQueued: 16,
      // forge, zod and one 64 KiB input need far less; a runaway allocation stops here.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
      ...options,
      timeoutMs: this.timeoutMs,
    });
  }

  /**
   * {@link parseCertificateCredential} in a worker thread.
   *
   * @throws CertificateCredentialError as parseCertificateCredential does, and `parse_timeout`
   *   when the time limit stopped it.
   * @throws WorkerBusyError when too many parses are running and waiting.
   */
  /** Reads in progress in their worker threads now. */
  get reading(): number {
    return this.runner.alive;
  }

  async parse(input: CertificateInput, now: Date): Promise<CertificateCredential> {
    // The shape is checked here, so a malformed call fails as it would in-thread.
    const task: CertificateTask = { input: certificateInputSchema.parse(input), nowMs: now.getTime() };
    let outcome: CertificateOutcome;
    try {
      outcome = await this.runner.run(task);
    } catch (error) {
      if (error instanceof WorkerTimeoutError) {
        throw new CertificateCredentialError(
          'parse_timeout',
          `Reading the certificate took longer than ${this.timeoutMs} ms and was stopped; a certificate exported with standard settings reads in a fraction of that. Re-export it with standard settings (OpenSSL 3 defaults).`,
          { timeoutMs: this.timeoutMs },
        );
      }
      throw error;
    }
    if (outcome.ok) return outcome.credential;
    if ('unexpected' in outcome) throw new Error(`The certificate parser failed unexpectedly (${outcome.unexpected}).`);
    throw new CertificateCredentialError(outcome.reason, outcome.message, outcome.details);
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
