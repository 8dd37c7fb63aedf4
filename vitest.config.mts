import path from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// The flow protocol's own entry (what @authpipe/react imports) before the package's: an alias
// also matches the start of a longer specifier.
const flowProtocol = {
  '@authpipe/contract/flow-protocol': path.resolve(import.meta.dirname, 'libs/contract/src/flow-protocol.ts'),
};

const alias = {
  ...flowProtocol,
  '@authpipe/contract': path.resolve(import.meta.dirname, 'libs/contract/src/index.ts'),
  '@authpipe/crypto': path.resolve(import.meta.dirname, 'libs/crypto/src/index.ts'),
  '@authpipe/microsoft': path.resolve(import.meta.dirname, 'libs/microsoft/src/index.ts'),
  '@authpipe/node': path.resolve(import.meta.dirname, 'libs/node/src/index.ts'),
  '@authpipe/prisma': path.resolve(import.meta.dirname, 'generated/prisma/client.ts'),
  // Test support, imported by name instead of ../../../../test/ (never part of the build).
  '@test': path.resolve(import.meta.dirname, 'test'),
};

// Nest needs decorator metadata, which esbuild does not emit: swc compiles every test file.
const plugins = [swc.vite({ module: { type: 'es6' }, swcrc: false, configFile: false })];

export default defineConfig({
  plugins,
  resolve: { alias },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'],
          exclude: ['**/*.db.spec.ts', 'libs/react/**'],
          testTimeout: 30_000,
        },
      },
      {
        // The React SDK: a browser-like DOM (happy-dom), JSX by Vite's own transform (no decorators here).
        resolve: { alias: flowProtocol },
        test: {
          name: 'react',
          include: ['libs/react/**/*.spec.ts', 'libs/react/**/*.spec.tsx'],
          environment: 'happy-dom',
          testTimeout: 30_000,
        },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          // Everything that touches a database: PGlite by default, PostgreSQL when DATABASE_URL is set.
          name: 'db',
          globalSetup: ['test/support/global-setup.ts'],
          // Nest and @peculiar/x509 (tsyringe) read decorator metadata, as main.ts arranges in production.
          setupFiles: ['reflect-metadata'],
          // test/<tier>/ (integration, e2e, browser, security) and the db specs still beside their code.
          include: ['test/**/*.spec.ts', 'apps/**/*.db.spec.ts', 'libs/**/*.db.spec.ts'],
          testTimeout: 60_000,
          // Per-file set-up starts databases, the emulator and the vault: slow on a loaded 2-core box.
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
