import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The package: ESM (.mjs) and CommonJS (.js) with their declarations; React stays external
    // (a peer dependency), so one copy of React serves the host application and these components.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    // The flow protocol's types are inlined too (see tsconfig.build.json): the declarations name
    // no package beside React.
    dts: { resolve: [/^@authpipe\/contract\//] },
    tsconfig: 'tsconfig.build.json',
    target: 'es2020',
    platform: 'browser',
    // Not cleaned: dist/example (the second build) lives inside; tsup overwrites what it writes.
    clean: false,
    sourcemap: true,
    // Components with hooks: client-only in React Server Components frameworks.
    banner: { js: "'use client';" },
  },
  {
    // The sandbox's example page (served by the vault in sandbox mode only): React bundled in.
    entry: { 'sandbox-example': 'example/sandbox-example.tsx' },
    outDir: 'dist/example',
    format: ['iife'],
    tsconfig: 'tsconfig.build.json',
    target: 'es2020',
    platform: 'browser',
    minify: true,
    noExternal: [/.*/],
    define: { 'process.env.NODE_ENV': '"production"' },
    clean: true,
  },
]);
