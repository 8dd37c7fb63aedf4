#!/usr/bin/env node
// Runs `prisma generate` offline. The Prisma 7 CLI tries to download its schema-engine binary
// at start even though `generate` never uses it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any
// executable stops the download, so it works offline. The generated client is
// Rust-free (query compiler in WASM + driver adapters), so nothing else is fetched.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const cli = path.join(__dirname, '..', 'node_modules', 'prisma', 'build', 'index.js');
const result = spawnSync(process.execPath, [cli, 'generate', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
