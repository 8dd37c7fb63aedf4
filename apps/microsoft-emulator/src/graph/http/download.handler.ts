import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DIRECTORY_STORE, type DirectoryStore } from '../../directory/contracts';
import { DownloadLinks } from '../drive/download-links';
import { byteRangeOf } from './byte-range';

function errorBody(code: string, message: string): Record<string, unknown> {
  return { error: { code, message } };
}

/** Serves the bytes behind a pre-authenticated download URL while it is valid. */
@Injectable()
export class DownloadHandler {
  constructor(
    @Inject(DownloadLinks) private readonly links: DownloadLinks,
    @Inject(DIRECTORY_STORE) private readonly store: DirectoryStore,
  ) {}

  handle(
    uniqueId: string | undefined,
    tempauth: string | undefined,
    rangeHeader: string | undefined,
    reply: FastifyReply,
  ): void {
    const grant = this.links.verify(uniqueId, tempauth);
    if (typeof grant === 'string') {
      // One answer for expired, forged and mismatched links: the client's remedy is the same,
      // ask Graph for the item again.
      void reply.status(401).send(errorBody('unauthenticated', 'The download URL has expired or is not valid.'));
      return;
    }
    const item = this.store.findItem(grant.tenantId, grant.driveId, grant.itemId);
    if (!item || item.kind !== 'file') {
      void reply.status(404).send(errorBody('itemNotFound', 'The item no longer exists.'));
      return;
    }
    const content = item.content ?? Buffer.alloc(0);
    void reply
      .header('accept-ranges', 'bytes')
      .header('content-type', item.mimeType ?? 'application/octet-stream')
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(item.name)}`);
    const range = byteRangeOf(rangeHeader, content.length);
    if (range === 'whole') {
      void reply.status(200).send(content);
    } else if (range === 'unsatisfiable') {
      void reply.status(416).header('content-range', `bytes */${content.length}`).send();
    } else {
      void reply
        .status(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${content.length}`)
        .send(content.subarray(range.start, range.end + 1));
    }
  }
}
