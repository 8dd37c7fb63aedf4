// `npm run emulator`: the emulator on EMULATOR_PORT (default 4443) with the control API on.
import { SEED } from './directory/seed';
import { startEmulator } from './emulator';

function portFrom(value: string | undefined, fallback: number | null): number | null {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a port: ${value}`);
  return port;
}

async function main(): Promise<void> {
  const emulator = await startEmulator({
    port: portFrom(process.env.EMULATOR_PORT, 4443) ?? 4443,
    httpPort: portFrom(process.env.EMULATOR_HTTP_PORT, null),
    host: process.env.EMULATOR_HOST ?? '127.0.0.1',
    dataDir: process.env.EMULATOR_DATA_DIR ?? undefined,
    controlApi: true,
  });
  // The emulator's one piece of console output: where it listens and how to trust it.
  process.stdout.write(
    [
      `Microsoft emulator listening on ${emulator.baseUrl}`,
      emulator.httpBaseUrl ? `plain HTTP (browsers in the sandbox): ${emulator.httpBaseUrl}` : null,
      `authority for the demo tenant: ${emulator.baseUrl}/${SEED.contoso.tenantId}`,
      `control API: ${emulator.baseUrl}/_emulator`,
      `trust its CA: NODE_EXTRA_CA_CERTS=${process.env.EMULATOR_DATA_DIR ?? 'data/emulator'}/ca.crt`,
      '',
    ]
      .filter((line) => line !== null)
      .join('\n'),
  );
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
