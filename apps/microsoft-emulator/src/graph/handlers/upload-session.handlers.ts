import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { EMULATOR_CLOCK, type EmulatorClock } from '../../directory/contracts';
import { DriveItemsService } from '../drive/drive-items.service';
import {
  MAX_FRAGMENT_BYTES,
  UPLOAD_SESSION_LIFETIME_MS,
  UPLOAD_SESSION_PATH,
  UploadSessions,
  type UploadSession,
} from '../drive/upload-sessions';
import { GraphError } from '../graph-error';
import { parseJsonBody } from '../http/graph-body';
import { conflictBehaviorOf, type GraphReply, type GraphRequest } from '../http/graph-request';
import { odataContext } from '../mapping/graph-json';
import type { DriveRef, ItemRef } from '../routing/graph-route';
import { DriveHandlers } from './drive.handlers';
import { DriveViews } from './drive-views';

const createSessionBody = z.object({
  item: z
    .looseObject({
      '@microsoft.graph.conflictBehavior': z.string().optional(),
      name: z.string().optional(),
    })
    .optional(),
  deferCommit: z.boolean().optional(),
});

/** A fragment's request, as the upload URL route reads it. */
export interface FragmentRequest {
  sessionId: string;
  header(name: string): string | undefined;
  body: Buffer;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

/**
 * createUploadSession and the upload URL it hands out.
 * https://learn.microsoft.com/graph/api/driveitem-createuploadsession
 */
@Injectable()
export class UploadSessionHandlers {
  constructor(
    @Inject(DriveHandlers) private readonly drives: DriveHandlers,
    @Inject(DriveItemsService) private readonly items: DriveItemsService,
    @Inject(DriveViews) private readonly views: DriveViews,
    @Inject(UploadSessions) private readonly sessions: UploadSessions,
    @Inject(EMULATOR_CLOCK) private readonly clock: EmulatorClock,
  ) {}

  /** POST .../createUploadSession: `{uploadUrl, expirationDateTime}`. */
  create(request: GraphRequest, ref: DriveRef, itemRef: ItemRef): GraphReply {
    const scope = this.drives.open(request, ref, 'write');
    const parsed = request.body.length === 0 ? null : createSessionBody.safeParse(parseJsonBody(request.body));
    if (parsed !== null && !parsed.success) throw GraphError.invalidRequest('The request body is not valid.');
    const options = parsed?.data ?? {};
    if (options.deferCommit === true) throw new GraphError(400, 'notSupported', 'deferCommit is not supported.');
    // The target is a path below an item (a new file or a new version; missing folders are made
    // at completion, as a simple upload makes them), or an existing file by id, checked now.
    if (itemRef.path.length === 0) {
      const existing = this.items.resolve(request.caller.tenantId, scope.drive, itemRef);
      if (existing.kind !== 'file') throw GraphError.invalidRequest('Content can only be uploaded to a file.');
    }
    const behavior = conflictBehaviorOf(request.query, options.item?.['@microsoft.graph.conflictBehavior'], 'replace');
    const session = this.sessions.open({
      caller: request.caller,
      drive: scope.drive,
      ref: itemRef,
      behavior,
      origin: request.origin,
      expiresAt: new Date(this.clock.now().getTime() + UPLOAD_SESSION_LIFETIME_MS),
    });
    return {
      status: 200,
      json: {
        '@odata.context': odataContext(request.caller.cloud, 'microsoft.graph.uploadSession'),
        uploadUrl: `${request.origin}${UPLOAD_SESSION_PATH}${session.id}`,
        expirationDateTime: session.expiresAt.toISOString(),
      },
    };
  }

  /** GET on the upload URL: the session's status. */
  status(sessionId: string): GraphReply {
    const session = this.session(sessionId);
    return { status: 200, json: progressOf(session) };
  }

  /** DELETE on the upload URL: cancels the session, dropping what was received. */
  cancel(sessionId: string): GraphReply {
    this.session(sessionId);
    this.sessions.close(sessionId);
    return { status: 204 };
  }

  /**
   * PUT on the upload URL: one byte range, in order. 202 with the next expected range, and on the
   * last fragment 201 (or 200 for a new version) with the driveItem.
   */
  fragment(request: FragmentRequest): GraphReply {
    // "Don't include an Authorization header": the URL is the grant (Graph may answer 401).
    if (request.header('authorization') !== undefined) {
      throw GraphError.unauthenticated('The upload URL is pre-authenticated: send no Authorization header.');
    }
    const session = this.session(request.sessionId);
    const match = CONTENT_RANGE.exec(request.header('content-range')?.trim() ?? '');
    if (!match) throw GraphError.invalidRequest('Content-Range must be "bytes {start}-{end}/{size}".');
    const [start, end, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const length = end - start + 1;
    if (end < start || end >= total || length !== request.body.length) {
      throw GraphError.invalidRequest('Content-Range does not match the fragment sent.');
    }
    if (length > MAX_FRAGMENT_BYTES) throw GraphError.invalidRequest('A fragment must be less than 60 MiB.');
    if (session.total !== null && session.total !== total) {
      throw GraphError.invalidRequest('The file size in Content-Range changed during the session.');
    }
    if (start !== session.received) {
      throw new GraphError(
        416,
        'invalidRange',
        `The fragment does not start at the next expected byte (${session.received}).`,
      );
    }
    session.total = total;
    session.chunks.push(request.body);
    session.received += length;
    if (session.received < total) return { status: 202, json: progressOf(session) };

    this.sessions.close(session.id);
    const content = Buffer.concat(session.chunks);
    const tenantId = session.caller.tenantId;
    const { item, created } = this.items.upload(tenantId, session.drive, session.ref, content, session.behavior);
    return {
      status: created ? 201 : 200,
      json: {
        '@odata.context': odataContext(session.caller.cloud, `drives('${session.drive.id}')/items/$entity`),
        ...this.views.item(session.caller, session.drive, item, session.origin),
      },
    };
  }

  private session(sessionId: string): UploadSession {
    const session = this.sessions.find(sessionId, this.clock.now());
    if (!session) throw GraphError.itemNotFound('The upload session was not found or has expired.');
    return session;
  }
}

function progressOf(session: UploadSession) {
  return {
    expirationDateTime: session.expiresAt.toISOString(),
    nextExpectedRanges: [`${session.received}-`],
  };
}
