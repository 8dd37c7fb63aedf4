import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import { sendFlowResponse } from './pages/flow-reply';
import { ConnectService, type ConnectStart } from './flows/connect.service';
import { readBinding } from './states/browser-binding';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Browser-facing start of the install and connect flows (no API key: the session token is the authority). */
@ApiExcludeController()
@Controller('connect')
export class ConnectController {
  constructor(
    private readonly connect: ConnectService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
  ) {}

  /** The start page: shows what is being connected; the popup's opener is its Referer. */
  @Get(':provider')
  async start(
    @Param('provider') provider: string,
    @Query('session') session: unknown,
    @Query('mode') mode: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const started = await this.connect.show({
      provider,
      token: text(session),
      mode: mode === 'popup' || mode === 'redirect' ? mode : undefined,
      binding: readBinding(request.headers.cookie, this.secure()),
      opener: text(request.headers.referer),
    });
    this.send(reply, started);
  }

  /** The start page's Continue link: to Microsoft's sign-in, in the browser that saw the page. */
  @Get(':provider/continue')
  async proceed(
    @Param('provider') provider: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const started = await this.connect.proceed({
      provider,
      token: text(query.session),
      binding: readBinding(request.headers.cookie, this.secure()),
      continueToken: text(query.continue),
      opener: text(query.opener),
    });
    this.send(reply, started);
  }

  private send(reply: FastifyReply, { response, binding }: ConnectStart): void {
    sendFlowResponse(reply, response, binding !== null ? { set: binding } : undefined, this.secure());
  }

  private secure(): boolean {
    return this.config.publicUrl.startsWith('https:');
  }
}
