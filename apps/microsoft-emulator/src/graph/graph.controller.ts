import { All, Controller, Get, Headers, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DownloadHandler } from './http/download.handler';
import { GraphDispatcher } from './http/graph.dispatcher';

/**
 * Every /v1.0 request lands on one catch-all route: Graph's colon-path (`root:/a.txt:`), site
 * (`sites/host:/sites/x`) and function (`search(q='x')`) segments do not fit route patterns, so
 * `GraphDispatcher` parses the raw path itself (see routing/graph-route.ts).
 */
@Controller()
export class GraphController {
  constructor(
    @Inject(GraphDispatcher) private readonly dispatcher: GraphDispatcher,
    @Inject(DownloadHandler) private readonly downloads: DownloadHandler,
  ) {}

  @All('v1.0/*')
  async graph(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.dispatcher.handle(request, reply);
  }

  /** Upload URLs of upload sessions: no Authorization header, the URL is the grant. */
  @All('_api/v2.0/uploadSessions/:sessionId')
  uploadUrl(@Param('sessionId') sessionId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.dispatcher.uploadUrl(request, reply, sessionId);
  }

  /** Pre-authenticated download URLs: no Authorization header, the signed `tempauth` is the grant. */
  @Get('_layouts/15/download.aspx')
  download(
    @Query('UniqueId') uniqueId: string | undefined,
    @Query('tempauth') tempauth: string | undefined,
    @Headers('range') range: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    this.downloads.handle(uniqueId, tempauth, range, reply);
  }
}
