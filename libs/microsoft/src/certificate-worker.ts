// The worker thread that reads one certificate credential, started by certificate-parser.ts.
// Whatever it is given, it answers with an outcome that holds no password and no key material
// unless the read succeeded: an unexpected error is reduced to its name.
import { parentPort } from 'node:worker_threads';
import { CertificateCredentialError } from './certificate-errors';
import type { CertificateOutcome, CertificateTask } from './certificate-parser';
import { parseCertificateCredential } from './certificates';
import type { WorkerMessage } from './worker-task';

function outcomeOf(task: CertificateTask): CertificateOutcome {
  try {
    return { ok: true, credential: parseCertificateCredential(task.input, new Date(task.nowMs)) };
  } catch (error) {
    if (error instanceof CertificateCredentialError) {
      return { ok: false, reason: error.reason, message: error.message, details: error.details };
    }
    return { ok: false, unexpected: error instanceof Error ? error.name : typeof error };
  }
}

const port = parentPort;
if (port === null) throw new Error('certificate-worker runs in a worker thread; use CertificateParser.');
port.once('message', (task: CertificateTask) => {
  port.postMessage({ type: 'done', value: outcomeOf(task) } satisfies WorkerMessage<CertificateOutcome>);
});
port.postMessage({ type: 'ready' } satisfies WorkerMessage<CertificateOutcome>);
