// Loaded by every command, --help and --version included: nothing here may import the vault's
// modules (Nest, Prisma, msal). Classifying failures needs them: see cli-failure.ts.

/** Where the CLI writes: results on stdout, progress and diagnostics on stderr. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  /** What `--version` prints (the package's version; bin/authpipe.js passes it). */
  version?: string;
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
