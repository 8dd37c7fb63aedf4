import { afterEach, describe, expect, it } from 'vitest';
import { WorkerBusyError, WorkerFailedError, WorkerTaskRunner, WorkerTimeoutError } from './worker-task';

// Worker scripts injected as data: URLs (ES modules) speaking the runner's protocol. `spin` raises
// a flag in shared memory, then never returns: a parse made as slow as can be.
const SCRIPT = `
import { parentPort } from 'node:worker_threads';
parentPort.once('message', (task) => {
  if (task.crashWith) throw new Error('worker saw ' + task.crashWith);
  if (task.spin) { Atomics.store(task.spin, 0, 1); for (;;) {} }
  parentPort.postMessage({ type: 'done', value: task.echo });
});
parentPort.postMessage({ type: 'ready' });
`;
const script = new URL(`data:text/javascript,${encodeURIComponent(SCRIPT)}`);

interface Task {
  echo?: string;
  spin?: Int32Array;
  crashWith?: string;
}

const spinFlag = () => new Int32Array(new SharedArrayBuffer(4));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await nextTurn();
}

describe(WorkerTaskRunner.name, () => {
  const runners: WorkerTaskRunner<Task, string>[] = [];
  const runner = (options: ConstructorParameters<typeof WorkerTaskRunner>[1]) => {
    const created = new WorkerTaskRunner<Task, string>(script, options);
    runners.push(created);
    return created;
  };

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.close()));
  });

  it('answers with what the worker posts', async () => {
    expect(await runner({ timeoutMs: 10_000 }).run({ echo: 'hello' })).toBe('hello');
  });

  it('keeps the event loop turning while a task spins, then stops it at the time limit', async () => {
    const tasks = runner({ timeoutMs: 2_000, maxConcurrent: 1 });
    const spinning = spinFlag();
    let settled = false;
    const outcome = tasks.run({ spin: spinning }).then(
      () => new Error('the spinning task answered'),
      (error: unknown) => error,
    );
    void outcome.finally(() => (settled = true));

    await until(() => Atomics.load(spinning, 0) === 1);
    // The worker is inside its endless loop now; timers and immediates of this thread still run.
    let timerFired = false;
    setTimeout(() => (timerFired = true), 1);
    let turns = 0;
    await until(() => ++turns >= 50 && timerFired);
    expect(settled).toBe(false);

    expect(await outcome).toBeInstanceOf(WorkerTimeoutError);
    // Its thread is gone: the only slot is free again.
    expect(await tasks.run({ echo: 'after' })).toBe('after');
  });

  it('refuses at once beyond the queue, and runs a queued task when a slot frees', async () => {
    const tasks = runner({ timeoutMs: 1_000, maxConcurrent: 1, maxQueued: 1 });
    const spinning = tasks.run({ spin: spinFlag() }).catch((error: unknown) => error);
    const queued = tasks.run({ echo: 'queued' });
    await expect(tasks.run({ echo: 'refused' })).rejects.toBeInstanceOf(WorkerBusyError);
    expect(await spinning).toBeInstanceOf(WorkerTimeoutError);
    expect(await queued).toBe('queued');
  });

  it('reports a crash after the task by its kind only, never by what the worker said', async () => {
    const error = await runner({ timeoutMs: 10_000 })
      .run({ crashWith: 'canary-password' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerFailedError);
    expect((error as Error).message).toBe('The worker thread failed (Error).');
  });

  it('reports a script that does not load, with the reason', async () => {
    const broken = new WorkerTaskRunner<Task, string>(
      new URL(`data:text/javascript,${encodeURIComponent('this is not javascript')}`),
      { timeoutMs: 10_000 },
    );
    runners.push(broken);
    await expect(broken.run({})).rejects.toThrow(/failed to start: .*SyntaxError|failed to start: .*Unexpected/);
  });

  it('stops running tasks when closed', async () => {
    const tasks = new WorkerTaskRunner<Task, string>(script, { timeoutMs: 60_000 });
    const spinning = spinFlag();
    const outcome = tasks.run({ spin: spinning }).catch((error: unknown) => error);
    await until(() => Atomics.load(spinning, 0) === 1);
    await tasks.close();
    expect(await outcome).toBeInstanceOf(WorkerFailedError);
    await expect(tasks.run({ echo: 'late' })).rejects.toBeInstanceOf(WorkerFailedError);
  });
});
