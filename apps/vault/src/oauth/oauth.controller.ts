import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import { AdminConsentService } from './admin-consent.service';
import { readBinding } from './browser-binding';
import { parseCallbackQuery } from './callback-query';
import { sendFlowResponse } from './flow-reply';
import { UserAuthorizationService } from './user-authorization.service';

/** Where Microsoft sends the browser back: admin consent and the authorization code. */
@ApiExcludeController()
@Controller('oauth')
export class OAuthController {
  constructor(
    private readonly adminConsent: AdminConsentService,
    private readonly userAuthorization: UserAuthorizationService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
  ) {}

  @Get('admin-consent/callback')
  async adminConsentCallback(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const response = await this.adminConsent.handle(parseCallbackQuery(query), readBinding(request.headers.cookie));
    sendFlowResponse(reply, response, { clear: true }, this.secure());
  }

  @Get('callback')
  async callback(@Query() query: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const response = await this.userAuthorization.handle(
      parseCallbackQuery(query),
      readBinding(request.headers.cookie),
    );
    sendFlowResponse(reply, response, { clear: true }, this.secure());
  }

  private secure(): boolean {
    return this.config.publicUrl.startsWith('https:');
  }
}
