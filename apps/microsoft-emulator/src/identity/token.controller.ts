import { Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EMULATOR_CLOCK, type EmulatorClock } from '../directory/contracts';
import { sendJsonError } from './identity-errors';
import { loginOriginOf } from './login-origin';
import { TokenService } from './token.service';

/** POST /{tenant}/oauth2/v2.0/token */
@Controller()
export class TokenController {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(EMULATOR_CLOCK) private readonly clock: EmulatorClock,
  ) {}

  @Post(':tenant/oauth2/v2.0/token')
  @HttpCode(200)
  async token(
    @Param('tenant') tenant: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    try {
      const body = await this.tokens.token(tenant, request.body, request.headers.authorization, loginOriginOf(request));
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
    } catch (error) {
      return sendJsonError(error, request, reply, this.clock);
    }
  }
}
