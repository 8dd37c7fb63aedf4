import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizeService, type AuthorizeOutcome } from './authorize.service';
import { loginOriginOf } from './login-origin';
import { formPostPage } from './sign-in.page';

function send(reply: FastifyReply, outcome: AuthorizeOutcome): FastifyReply {
  // Sign-in pages must never be cached or framed by another site.
  reply.header('cache-control', 'no-store').header('x-frame-options', 'DENY');
  if (outcome.kind === 'page') return reply.code(outcome.status).type('text/html; charset=utf-8').send(outcome.html);
  if (outcome.reply.kind === 'redirect') return reply.redirect(outcome.reply.url, 302);
  return reply.type('text/html; charset=utf-8').send(formPostPage(outcome.reply.action, outcome.reply.fields));
}

/**
 * GET shows the sign-in (or admin consent) page, POST is that page's form.
 * /{tenant}/oauth2/v2.0/authorize, /{tenant}/v2.0/adminconsent and the older /{tenant}/adminconsent
 * (documented with the client credentials flow; it takes no scope and answers without one).
 */
@Controller()
export class AuthorizeController {
  constructor(@Inject(AuthorizeService) private readonly authorize: AuthorizeService) {}

  @Get(':tenant/oauth2/v2.0/authorize')
  start(@Param('tenant') tenant: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): FastifyReply {
    const action = `/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize`;
    return send(reply, this.authorize.start('authorize', tenant, request.query, loginOriginOf(request), action));
  }

  @Post(':tenant/oauth2/v2.0/authorize')
  complete(@Param('tenant') tenant: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): FastifyReply {
    return send(reply, this.authorize.complete(request.body, `/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize`));
  }

  @Get(':tenant/v2.0/adminconsent')
  startAdminConsent(
    @Param('tenant') tenant: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    const action = `/${encodeURIComponent(tenant)}/v2.0/adminconsent`;
    return send(reply, this.authorize.start('adminconsent', tenant, request.query, loginOriginOf(request), action));
  }

  @Post(':tenant/v2.0/adminconsent')
  completeAdminConsent(
    @Param('tenant') tenant: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    return send(reply, this.authorize.complete(request.body, `/${encodeURIComponent(tenant)}/v2.0/adminconsent`));
  }

  @Get(':tenant/adminconsent')
  startAdminConsentV1(
    @Param('tenant') tenant: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    const action = `/${encodeURIComponent(tenant)}/adminconsent`;
    return send(reply, this.authorize.start('adminconsent-v1', tenant, request.query, loginOriginOf(request), action));
  }

  @Post(':tenant/adminconsent')
  completeAdminConsentV1(
    @Param('tenant') tenant: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    return send(reply, this.authorize.complete(request.body, `/${encodeURIComponent(tenant)}/adminconsent`));
  }
}
