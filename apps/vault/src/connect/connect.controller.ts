import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import { sendFlowResponse } from './pages/flow-reply';
import { ConnectService } from './flows/connect.service';

/** Browser-facing start of the install and connect flows (no API key: the session token is the authority). */
@ApiExcludeController()
@Controller('connect')
export class ConnectController {
  constructor(
    private readonly connect: ConnectService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
  ) {}

  @Get(':provider')
  async start(
    @Param('provider') provider: string,
    @Query('session') session: unknown,
    @Query('mode') mode: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { response, binding } = await this.connect.start(
      provider,
      typeof session === 'string' ? session : undefined,
      mode === 'popup' || mode === 'redirect' ? mode : undefined,
    );
    sendFlowResponse(
      reply,
      response,
      binding !== null ? { set: binding } : undefined,
      this.config.publicUrl.startsWith('https:'),
    );
  }
}
