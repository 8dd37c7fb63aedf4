import 'reflect-metadata';
import { restrictUmask } from '../config/data-dir';
import { runCli } from './cli-program';

/** Entry point of `npx authpipe` (bin/authpipe.js loads the compiled form of this file). */
export function main(argv = process.argv.slice(2)): void {
  runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`authpipe: unexpected failure: ${(error as Error)?.message ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) {
  // Whatever the CLI creates (an embedded database, a key file) is its owner's only.
  restrictUmask();
  main();
}
