import { readFileSync } from 'node:fs';
import path from 'node:path';
import { restrictUmask } from '../config/data-dir';
import { runCli } from './cli-program';

/**
 * Entry point of `npx authpipe` (bin/authpipe.js loads the compiled form of this file). Loads only
 * the command line parser here; each command loads what it needs when it runs, so `--help` and
 * `--version` answer at once.
 */
export function main(argv = process.argv.slice(2), version = packageVersion(__dirname)): void {
  runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, version }).then(
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

/** The version in the repository's package.json, the nearest `authpipe` one above `dir` (src or dist). */
function packageVersion(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(current, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'authpipe') return pkg.version;
    } catch {
      // No package.json here: look further up.
    }
    if (path.dirname(current) === current) return undefined;
  }
}
