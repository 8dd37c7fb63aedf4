import { Inject, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ProjectsModule } from '../projects/projects.module';
import { removeAdminFiles, writeAdminEndpoint } from './admin-endpoint';
import { AdminController } from './admin.controller';
import { ADMIN_TOKEN, AdminGuard } from './admin.guard';

const ADMIN_DATA_DIR = Symbol('ADMIN_DATA_DIR');

/** Publishes the listening URL next to the token once the server listens; removes both on shutdown. */
class AdminEndpointPublisher implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ADMIN_DATA_DIR) private readonly dataDir: string,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onListen', async () => {
      const address = fastify.server.address();
      if (address === null || typeof address === 'string') return;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      // A wildcard bind is reachable on loopback, which is where the CLI runs.
      const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
      await writeAdminEndpoint(this.dataDir, `http://${reachable}:${address.port}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await removeAdminFiles(this.dataDir);
  }
}

/**
 * The admin API for a CLI beside a server that holds the embedded database (see
 * admin-endpoint.ts). Only mounted in embedded mode: with PostgreSQL the CLI connects directly.
 */
@Module({})
export class AdminModule {
  static forRoot(options: { token: string; dataDir: string }): DynamicModule {
    return {
      module: AdminModule,
      imports: [ProjectsModule, ApiKeysModule],
      controllers: [AdminController],
      providers: [
        { provide: ADMIN_TOKEN, useValue: options.token },
        { provide: ADMIN_DATA_DIR, useValue: options.dataDir },
        AdminGuard,
        AdminEndpointPublisher,
      ],
    };
  }
}
