import { CommanderError } from 'commander';
import { ZodError } from 'zod';
import { ApiError } from '../common/api-error';
import { describeBootError } from '../boot-errors';
import { EmbeddedDatabaseBusyError } from '../admin/embedded-database';
import { ConfigValidationError } from '../config/config.schema';
import { KeysError } from '../keys/keys.errors';
import { AdminApiError } from './admin-client';

/** Where the CLI writes: results on stdout, progress and diagnostics on stderr. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

/** Exit codes: 0 ok, 1 runtime failure, 2 bad arguments. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A bad argument found after parsing (e.g. a missing confirmation). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A CLI failure as shown to the user: stable code, message, exit code. */
export interface CliFailure {
  code: string;
  message: string;
  exitCode: number;
}

/** Classifies anything a command threw. Messages never hold key material (see each error's source). */
export function toFailure(error: unknown): CliFailure {
  if (error instanceof UsageError) return { code: 'invalid_arguments', message: error.message, exitCode: EXIT.usage };
  if (error instanceof CommanderError)
    return { code: 'invalid_arguments', message: error.message.replace(/^error: /, ''), exitCode: EXIT.usage };
  if (error instanceof ZodError) {
    const message = error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; ');
    return { code: 'invalid_arguments', message, exitCode: EXIT.usage };
  }
  if (error instanceof ApiError) {
    return {
      code: error.code,
      message: error.message,
      exitCode: error.code === 'invalid_request' ? EXIT.usage : EXIT.failure,
    };
  }
  if (error instanceof AdminApiError) {
    return { code: error.code, message: error.message, exitCode: error.status === 400 ? EXIT.usage : EXIT.failure };
  }
  if (error instanceof ConfigValidationError)
    return { code: 'invalid_config', message: error.message, exitCode: EXIT.failure };
  if (error instanceof EmbeddedDatabaseBusyError || error instanceof KeysError) {
    return { code: error.code, message: error.message, exitCode: EXIT.failure };
  }
  return {
    code: 'internal_error',
    message: describeBootError(error).replace(/^authpipe: /, ''),
    exitCode: EXIT.failure,
  };
}

/** Writes a failure: a JSON object on stdout with --json (scripts parse one stream), text on stderr otherwise. */
export function printFailure(io: CliIo, failure: CliFailure, json: boolean): void {
  if (json) io.stdout.write(`${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`);
  else io.stderr.write(`authpipe: ${failure.message}\n`);
}

/** Writes a result: JSON with --json, else the human text. */
export function printResult(io: CliIo, json: boolean, value: unknown, human: () => string): void {
  io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** Left-aligned columns for list output. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
