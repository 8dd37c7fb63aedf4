import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import { AdminConsentService } from './flows/admin-consent.service';
import { AdminSignInService } from './flows/admin-sign-in.service';
import { readBinding } from './states/browser-binding';
import { parseCallbackQuery } from './flows/callback-query';
import { sendFlowResponse } from './pages/flow-reply';
import { FlowStatesService } from './states/flow-states.service';
import { UserAuthorizationService } from './flows/user-authorization.service';

/** Where Microsoft sends the browser back: admin consent and the authorization code. */
@ApiExcludeController()
@Controller('oauth')
export class OAuthController {
  constructor(
    private readonly adminConsent: AdminConsentService,
    private readonly userAuthorization: UserAuthorizationService,
    private readonly adminSignIn: AdminSignInService,
    private readonly states: FlowStatesService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
  ) {}

  @Get('admin-consent/callback')
  async adminConsentCallback(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const response = await this.adminConsent.handle(
      parseCallbackQuery(query),
      readBinding(request.headers.cookie, this.secure()),
    );
    sendFlowResponse(reply, response);
  }

  /**
   * The authorization-code reply of both sign-ins: an installation's admin (who goes on to admin
   * consent in the same browser, so the binding cookie stays) and a user (the flow ends here).
   */
  @Get('callback')
  async callback(@Query() query: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const parsed = parseCallbackQuery(query);
    const binding = readBinding(request.headers.cookie, this.secure());
    if ((await this.states.kindOf(parsed.state)) === 'admin_sign_in') {
      sendFlowResponse(reply, await this.adminSignIn.handle(parsed, binding));
      return;
    }
    sendFlowResponse(reply, await this.userAuthorization.handle(parsed, binding));
  }

  private secure(): boolean {
    return this.config.publicUrl.startsWith('https:');
  }
}
