import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ControllableClock } from './clock/controllable-clock';
import type { InMemoryDirectoryStore } from './directory/in-memory-directory.store';
import { createEmulatorContext, type EmulatorContext } from './emulator.context';
import { EmulatorModule } from './emulator.module';
import { installEmulatorHooks } from './control/emulator-hooks';
import type { ClientCertificate } from './tls/certificates';
import { loadOrCreateTls } from './tls/certificates';

export interface EmulatorOptions {
  /** HTTPS port; 0 picks a free one. Default 0. */
  port?: number;
  /** Also serve plain HTTP on this port (0 = free port), for browsers in the sandbox; null or absent = no. */
  httpPort?: number | null;
  /** Interface to bind. Default 127.0.0.1: the emulator is for loopback use. */
  host?: string;
  /** Where the CA and signing keys are kept so restarts keep trust; null = in memory only. Default ./data/emulator. */
  dataDir?: string | null;
  /** Mount the control API under /_emulator. Default false. */
  controlApi?: boolean;
  /** Load the demo directory. Default true. */
  seed?: boolean;
  /** Time source under the controllable clock. */
  now?: () => Date;
}

export interface RunningEmulator {
  /** `https://127.0.0.1:PORT` */
  baseUrl: string;
  httpBaseUrl: string | null;
  /** PEM of the local CA that signed the TLS certificate: trust it (NODE_EXTRA_CA_CERTS or an agent). */
  caCertPem: string;
  store: InMemoryDirectoryStore;
  clock: ControllableClock;
  /** The demo app's certificate credential (PEM certificate and its private key). */
  demoAppCertificate: ClientCertificate;
  /** Everything stateful, for tests that need to reach past the HTTP surface. */
  context: EmulatorContext;
  close(): Promise<void>;
}

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

function urlOf(protocol: 'http' | 'https', host: string, port: number): string {
  return `${protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts an emulator: HTTPS (and optionally plain HTTP) serving the identity platform, Graph and the control API. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir === undefined ? path.resolve('data/emulator') : options.dataDir;
  const context = await createEmulatorContext({
    dataDir,
    controlApi: options.controlApi ?? false,
    seed: options.seed ?? true,
    now: options.now,
  });
  const tls = await loadOrCreateTls(dataDir, context.clock.now());

  let plainServer: HttpServer | null = null;
  // One Fastify instance serves both sockets: the HTTPS server Fastify listens on, and a plain
  // HTTP server handed the same request handler.
  const adapter = new FastifyAdapter({
    serverFactory: (handler: RequestHandler) => {
      const server = createHttpsServer({ key: tls.leafKeyPem, cert: tls.leafCertPem }, handler);
      if (options.httpPort !== undefined && options.httpPort !== null) plainServer = createHttpServer(handler);
      return server;
    },
    keepAliveTimeout: 72_000,
    bodyLimit: 8 * 1024 * 1024,
  });
  const app = await NestFactory.create<NestFastifyApplication>(EmulatorModule.forRoot(context), adapter, {
    logger: ['error', 'warn'],
  });
  installEmulatorHooks(
    app.getHttpAdapter().getInstance(),
    context.services.faults,
    context.services.requestLog,
    context.clock,
  );
  await app.listen(options.port ?? 0, host);
  const httpsPort = (app.getHttpServer().address() as AddressInfo).port;

  let httpBaseUrl: string | null = null;
  const plain = plainServer as HttpServer | null;
  if (plain) {
    plain.keepAliveTimeout = 72_000;
    await new Promise<void>((resolve, reject) => {
      plain.once('error', reject);
      plain.listen(options.httpPort ?? 0, host, () => resolve());
    });
    httpBaseUrl = urlOf('http', host, (plain.address() as AddressInfo).port);
  }

  return {
    baseUrl: urlOf('https', host, httpsPort),
    httpBaseUrl,
    caCertPem: tls.caCertPem,
    store: context.store,
    clock: context.clock,
    demoAppCertificate: context.demoAppCertificate,
    context,
    async close() {
      if (plain) {
        plain.closeAllConnections();
        await new Promise<void>((resolve) => plain.close(() => resolve()));
      }
      app.getHttpServer().closeAllConnections();
      await app.close();
    },
  };
}
