// Runs one CPU-bound task in a worker thread of its own, with a time limit, so that the event loop
// (health checks, every other request) stays free whatever the task costs.
//
// Node's worker_threads directly rather than a pool library (piscina, tinypool): the tasks here are
// rare admin calls (an app's certificate upload), so a warm pool saves nothing that matters, while
// a fresh thread per task gives what does: a key read for one project never shares a heap with the
// next project's, and a stopped task takes its whole thread with it (`terminate()`), leaving no
// half-used worker behind. What a pool would add (a cap on threads, a bounded queue) is the small
// limiter below.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The protocol of a worker script: it posts `ready` once loaded, then answers one task with `done`. */
export type WorkerMessage<Out> = { type: 'ready' } | { type: 'done'; value: Out };

export interface WorkerTaskOptions {
  /** Time the task may run once the worker has it; the worker is then terminated. */
  timeoutMs: number;
  /** Time a worker may take to load its script (a cold module cache on a loaded machine). */
  startupTimeoutMs?: number;
  /** Tasks running at once; more wait in the queue. */
  maxConcurrent?: number;
  /** Tasks waiting; beyond them a task is refused at once with {@link WorkerBusyError}. */
  maxQueued?: number;
  /** V8 heap limits of each worker (see `new Worker({ resourceLimits })`). */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

/** The task ran past its time limit; its worker was terminated. */
export class WorkerTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`The task did not finish within ${timeoutMs} ms; its worker thread was stopped.`);
    this.name = 'WorkerTimeoutError';
  }
}

/** Too many tasks are running and waiting; retry later. */
export class WorkerBusyError extends Error {
  constructor() {
    super('Too many tasks are running or waiting for a worker thread.');
    this.name = 'WorkerBusyError';
  }
}

/** The worker failed to load or crashed. Never carries what the worker said once it had the task. */
export class WorkerFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerFailedError';
  }
}

/**
 * Runs a TypeScript worker script from the sources (Vitest, tsx) through tsx's loader, as the
 * main thread's loader does not reach worker threads; the compiled build runs its `.js` as is.
 */
function execArgvFor(script: string | URL): string[] {
  const path = script instanceof URL ? script.pathname : script;
  if (!path.endsWith('.ts')) return [];
  return ['--import', pathToFileURL(createRequire(__filename).resolve('tsx')).href];
}

/** Runs tasks in worker threads of `script`, one fresh thread per task, at most `maxConcurrent` at once. */
export class WorkerTaskRunner<In, Out> {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly workers = new Set<Worker>();
  private closed = false;

  constructor(
    private readonly script: string | URL,
    private readonly options: WorkerTaskOptions,
  ) {}

  async run(input: In): Promise<Out> {
    if (this.closed) throw new WorkerFailedError('The worker runner is closed.');
    await this.slot();
    const { result, exited } = this.spawn(input);
    // The slot is held until the thread is gone, not just until the answer: a terminated thread
    // still runs until its current native call returns (an OpenSSL derivation).
    void exited.then(() => this.release());
    return result;
  }

  /** Worker threads alive now (a task running, or a stopped one still exiting). */
  get alive(): number {
    return this.workers.size;
  }

  /** Terminates every running worker (at shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers].map((worker) => worker.terminate()));
  }

  private slot(): Promise<void> {
    if (this.running < (this.options.maxConcurrent ?? 2)) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= (this.options.maxQueued ?? 16)) return Promise.reject(new WorkerBusyError());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiting task, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private spawn(input: In): { result: Promise<Out>; exited: Promise<void> } {
    const failed = (message: string) => ({
      result: Promise.reject(new WorkerFailedError(message)),
      exited: Promise.resolve(),
    });
    if (this.closed) return failed('The worker runner is closed.');
    let worker: Worker;
    try {
      worker = new Worker(this.script, {
        execArgv: execArgvFor(this.script),
        resourceLimits: this.options.resourceLimits,
      });
    } catch (error) {
      return failed(`The worker thread failed to start: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.workers.add(worker);
    const exited = new Promise<void>((done) => worker.once('exit', () => done()));
    const result = new Promise<Out>((resolve, reject) => {
      let started = false;
      let settled = false;
      let timer = setTimeout(
        () => settle(new WorkerFailedError('The worker thread did not start in time.')),
        this.options.startupTimeoutMs ?? 30_000,
      );
      const settle = (error: Error | null, value?: Out) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.workers.delete(worker);
        void worker.terminate();
        if (error) reject(error);
        else resolve(value as Out);
      };
      worker.on('message', (message: WorkerMessage<Out>) => {
        if (message.type === 'ready' && !started) {
          started = true;
          clearTimeout(timer);
          timer = setTimeout(() => settle(new WorkerTimeoutError(this.options.timeoutMs)), this.options.timeoutMs);
          worker.postMessage(input);
        } else if (message.type === 'done') {
          settle(null, message.value);
        }
      });
      worker.on('error', (error: unknown) => {
        // Before the task was sent the error can only be about loading the script (safe to show);
        // after, it could echo the input, so only its kind is kept.
        const { name, message } = error instanceof Error ? error : { name: typeof error, message: String(error) };
        settle(
          new WorkerFailedError(
            started ? `The worker thread failed (${name}).` : `The worker thread failed to start: ${message}`,
          ),
        );
      });
      worker.on('exit', (code) => settle(new WorkerFailedError(`The worker thread exited (code ${code}).`)));
    });
    return { result, exited };
  }
}
