import 'reflect-metadata';
import http from 'node:http';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { FastifyHttpOptions, FastifyServerFactory } from 'fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { openVault, type VaultBootOptions } from './vault-boot';
import { registerSecurityHeaders } from './common/security-headers';
import { registerRequestLogging, requestIdFrom, withFrameworkChatterAtDebug } from './logging/logging.module';
import { warningBlock } from './logging/warning-block';
import type { Seams } from './common/common.module';
import { cryptoRandom } from './common/random';
import { writeAdminToken } from './admin/admin-endpoint';
import { installRateLimits } from './rate-limits/rate-limits';
import { apiDocument } from './common/api-document';
import { clientErrorHandler, registerRequestGuards } from './common/request-guards';
import { GetCredentialRoute } from './get-credential/get-credential.route';
import { MetricsService } from './metrics/metrics.service';

export { openVault, type OpenedVault, type VaultBootOptions } from './vault-boot';

/** Options of {@link createVaultApp}. */
export interface CreateVaultAppOptions extends VaultBootOptions, Seams {
  /** Where JSON log lines go (tests capture them); stdout when absent. */
  logDestination?: DestinationStream;
  /**
   * Serve the admin API for the CLI, with a token written to `<dataDir>/admin.token`.
   * Default: when this process holds the embedded database, which no CLI could open beside it.
   */
  adminApi?: boolean;
  /**
   * Adds routes to the Fastify instance before the application starts (routes cannot be added
   * once it is ready): the sandbox's example page, which production never loads.
   */
  extraRoutes?: (app: NestFastifyApplication) => void;
}

/**
 * Builds the vault's HTTP application, initialised and ready to `listen` (or to be driven by
 * supertest through `app.getHttpServer()`). Used by main.ts, the e2e tests and the CLI.
 */
export async function createVaultApp(options: CreateVaultAppOptions = {}): Promise<NestFastifyApplication> {
  const vault = await openVault(options);
  const random = options.random ?? cryptoRandom;
  const requestId = requestIdFrom(random);
  // Answers warm getCredential reads before Fastify once the application is ready (see serveBeforeFastify).
  const lane: { route?: GetCredentialRoute } = {};
  let app: NestFastifyApplication;
  try {
    const embedded = vault.config.database.url === null && vault.ownsDatabase;
    const admin =
      (options.adminApi ?? embedded)
        ? { token: await writeAdminToken(vault.config.dataDir, random), dataDir: vault.config.dataDir }
        : undefined;
    const adapter = new FastifyAdapter({
      // Fastify's own logger stays off: the vault logs requests itself (registerRequestLogging), redacted.
      logger: false,
      // X-Forwarded-For names the client only when it comes from a configured proxy.
      trustProxy: vault.config.trustProxy.length > 0 ? vault.config.trustProxy : false,
      genReqId: requestId,
      clientErrorHandler,
      // The server Fastify would make, with the warm getCredential lane in front of its handler.
      serverFactory: laneInFront(() => lane.route),
    });
    registerRequestGuards(adapter.getInstance());
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({
        config: vault.config,
        database: vault.database,
        ownsDatabase: vault.ownsDatabase,
        keyProvider: vault.keyProvider,
        migrations: vault.migrations,
        logDestination: options.logDestination,
        admin,
        seams: { clock: options.clock, random, replicaId: options.replicaId },
      }),
      adapter,
      { bufferLogs: true },
    );
  } catch (error) {
    if (vault.ownsDatabase) await vault.database.close().catch(() => undefined);
    throw error;
  }
  registerRequestLogging(app.getHttpAdapter().getInstance(), await app.resolve(PinoLogger));
  registerSecurityHeaders(app.getHttpAdapter().getInstance(), { https: vault.config.publicUrl.startsWith('https:') });
  app.useLogger(withFrameworkChatterAtDebug(app.get(Logger)));
  if (vault.createdKeyFile) {
    const warning =
      `Generated a new master key in ${vault.createdKeyFile}. Back this file up: without it the data in this ` +
      'vault cannot be decrypted. In production set AUTHPIPE_MASTER_KEYS or use a key management service instead.';
    new NestLogger('MasterKeys').warn(warning);
    // Also as a block on stderr, where a person starting the vault sees it among the log lines.
    if (options.logDestination === undefined) process.stderr.write(warningBlock('WARNING: new master key', warning));
  }
  // /docs is generated from the contract's route definitions, the ones the controllers serve.
  SwaggerModule.setup('docs', app, apiDocument() as unknown as OpenAPIObject, { customSiteTitle: 'Authpipe API' });
  app.enableShutdownHooks();
  const admission = installRateLimits(app.getHttpAdapter().getInstance(), vault.config.rateLimits);
  options.extraRoutes?.(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const route = app.get(GetCredentialRoute);
  route.openLane({
    admission,
    requestId,
    https: vault.config.publicUrl.startsWith('https:'),
    metrics: app.get(MetricsService),
  });
  lane.route = route;
  return app;
}

/**
 * Fastify's `serverFactory`: the HTTP server Fastify would make itself (its options, timeouts and
 * request limit per socket), with the warm getCredential lane answering before Fastify's handler
 * once the application is ready (see GetCredentialRoute.serveBeforeFastify).
 */
function laneInFront(lane: () => GetCredentialRoute | undefined): FastifyServerFactory {
  return (handler, options: FastifyHttpOptions<http.Server>) => {
    const server = http.createServer(options.http ?? {}, (req, res) => {
      if (lane()?.serveBeforeFastify(req, res, performance.now()) !== true) handler(req, res);
    });
    server.keepAliveTimeout = options.keepAliveTimeout!;
    server.requestTimeout = options.requestTimeout!;
    server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket! > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket!;
    return server;
  };
}
