// SANDBOX ONLY. The React SDK's example page (@authpipe/react's InstallButton and ConnectButton),
// served by a vault in sandbox mode: main.ts loads this module only when the sandbox is on, so a
// production vault never has these routes. Its session route stands in for the host
// application's backend: a real page never reaches a route like it, its own backend calls
// POST /v1/connect-sessions with the project's secret key.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../common/api-error';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';
import { ConnectSessionsService } from '../connect/sessions/connect-sessions.service';
import { landingPage } from './sandbox-landing';

/** Where the example page lives on the vault. */
export const SANDBOX_EXAMPLE_PATH = '/sandbox/example';
/** The demo tenant and user of the example's sessions. */
export const EXAMPLE_TENANT = 'org_demo';
export const EXAMPLE_USER = 'user_demo';

const BUNDLE = 'dist/example/sandbox-example.global.js';

function page(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authpipe React SDK example (sandbox)</title></head>
<body><div id="root"></div><script src="${SANDBOX_EXAMPLE_PATH}/app.js"></script></body>
</html>
`;
}

function secure(reply: FastifyReply): FastifyReply {
  return (
    reply
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'strict-origin-when-cross-origin')
      .header(
        'content-security-policy',
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      )
      // What a host page of the SDK needs: its popups keep `window.opener` (libs/react/README.md).
      .header('cross-origin-opener-policy', 'same-origin-allow-popups')
  );
}

async function readBundle(): Promise<Buffer | null> {
  try {
    // Resolved like any dependency (the workspace package, or an installed copy).
    const root = path.dirname(createRequire(__filename).resolve('@authpipe/react/package.json'));
    return await readFile(path.join(root, BUNDLE));
  } catch {
    return null;
  }
}

/**
 * Registers the example's routes: the page, its script (the SDK's example bundle, built by
 * `npm run build:libs`), and its stand-in backend. `projectId` answers the sandbox's demo
 * project once the sandbox has started (null before).
 */
export function registerSandboxExample(app: NestFastifyApplication, projectId: () => string | null): void {
  const fastify = app.getHttpAdapter().getInstance();
  const config = app.get<VaultConfig>(VAULT_CONFIG);
  // The sandbox's landing page: the demo accounts, the example and how to get a token.
  const landing = landingPage({
    baseUrl: config.publicUrl,
    sandboxFile: path.join(config.dataDir, 'sandbox.json'),
    examplePath: SANDBOX_EXAMPLE_PATH,
    exampleTenant: EXAMPLE_TENANT,
    exampleUser: EXAMPLE_USER,
  });
  fastify.get('/', async (_request, reply) => {
    await secure(reply).type('text/html; charset=utf-8').send(landing);
  });
  fastify.get(SANDBOX_EXAMPLE_PATH, async (_request, reply) => {
    await secure(reply).type('text/html; charset=utf-8').send(page());
  });
  fastify.get(`${SANDBOX_EXAMPLE_PATH}/app.js`, async (_request, reply) => {
    const bundle = await readBundle();
    if (bundle === null) {
      await secure(reply)
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The example bundle is missing: run `npm run build:libs` (npm ci runs it).');
      return;
    }
    await secure(reply).type('text/javascript; charset=utf-8').send(bundle);
  });
  fastify.post(`${SANDBOX_EXAMPLE_PATH}/connect-session`, async (request, reply) => {
    const project = projectId();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const credentialFor = body.credentialFor === 'user' ? 'user' : 'installation';
    secure(reply);
    if (project === null) {
      await reply.status(503).send({ error: { code: 'not_ready', message: 'The sandbox is still starting.' } });
      return;
    }
    try {
      // Only what the SDK sends is passed on; the tenant and user are the demo's.
      const session = await app.get(ConnectSessionsService).create(project, {
        tenantId: EXAMPLE_TENANT,
        ...(credentialFor === 'user' ? { userId: EXAMPLE_USER } : {}),
        credentialFor,
        provider: body.provider,
        returnTo: body.returnTo,
        ...(body.mode === 'redirect' ? { mode: 'redirect' } : {}),
      });
      await reply.status(201).send(session);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      await reply.status(error.status).send({ error: error.toBody() });
    }
  });
}
