import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { homePage } from './home.page';

/** What the root page needs to know about this instance. */
export const EMULATOR_HOME = Symbol('EMULATOR_HOME');
export interface EmulatorHomeOptions {
  controlApi: boolean;
}

/** `GET /`: a page saying what the emulator is, its demo accounts and where to read more. */
@Controller()
export class HomeController {
  private readonly html: string;

  constructor(@Inject(EMULATOR_HOME) options: EmulatorHomeOptions) {
    this.html = homePage(options);
  }

  @Get()
  home(@Res() reply: FastifyReply): FastifyReply {
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
      .send(this.html);
  }
}
