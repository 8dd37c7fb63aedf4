import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { Drive, DriveItem } from '../../directory/directory.types';
import { assertMayUseDrive, assertMayUseFiles, type FileAccess, signedInUserOf } from '../auth/graph-permissions';
import { DriveItemsService } from '../drive/drive-items.service';
import { GraphError } from '../graph-error';
import { parseJsonBody } from '../http/graph-body';
import {
  collectionReply,
  conflictBehaviorOf,
  type GraphReply,
  type GraphRequest,
  selectOf,
} from '../http/graph-request';
import { applySelect, cTagOf, eTagOf, odataContext } from '../mapping/graph-json';
import type { DriveRef, ItemRef } from '../routing/graph-route';
import { bytesReply } from '../http/byte-range';
import { DriveViews } from './drive-views';
import { GraphLocator } from './graph-locator';

const createChildBody = z.object({
  name: z.string(),
  folder: z.looseObject({}).optional(),
  file: z.looseObject({}).optional(),
  '@microsoft.graph.conflictBehavior': z.string().optional(),
});

const patchBody = z.object({
  name: z.string().optional(),
  parentReference: z
    .looseObject({ id: z.string().optional(), driveId: z.string().optional(), path: z.string().optional() })
    .optional(),
  '@microsoft.graph.conflictBehavior': z.string().optional(),
});

/** `/drive/root:/a%20b` or `/drives/{id}/root:/a%20b` (a percent-encoded parentReference.path) as names. */
function pathSegmentsOf(path: string): string[] | null {
  const match = /^\/drives?(?:\/[^/]+)?\/root:(.*)$/.exec(path);
  if (!match) return null;
  try {
    return match[1]
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: Buffer): T {
  const parsed = schema.safeParse(parseJsonBody(body));
  if (!parsed.success) throw GraphError.invalidRequest('The request body is not a valid driveItem.');
  return parsed.data;
}

/** A scoped view of one request on one drive. */
interface DriveScope {
  request: GraphRequest;
  drive: Drive;
}

/** Drives and drive items: https://learn.microsoft.com/graph/api/resources/driveitem */
@Injectable()
export class DriveHandlers {
  constructor(
    @Inject(GraphLocator) private readonly locate: GraphLocator,
    @Inject(DriveItemsService) private readonly items: DriveItemsService,
    @Inject(DriveViews) private readonly views: DriveViews,
  ) {}

  /** Permission checks in Graph's order: /me without a user, no file permission at all, then the drive. */
  open(request: GraphRequest, ref: DriveRef, access: FileAccess): DriveScope {
    if (ref.by === 'me') signedInUserOf(request.caller);
    assertMayUseFiles(request.caller, access);
    const drive = this.locate.drive(request.caller, ref);
    assertMayUseDrive(request.caller, access, drive);
    return { request, drive };
  }

  getDrive(request: GraphRequest, ref: DriveRef): GraphReply {
    const { drive } = this.open(request, ref, 'read');
    const json = {
      '@odata.context': odataContext(request.caller.cloud, 'drives/$entity'),
      ...this.views.drive(request.caller, drive),
    };
    return { status: 200, json: applySelect(json, selectOf(request.query)) };
  }

  getItem(request: GraphRequest, ref: DriveRef, itemRef: ItemRef): GraphReply {
    const scope = this.open(request, ref, 'read');
    return { status: 200, json: this.entity(scope, this.items.resolve(request.caller.tenantId, scope.drive, itemRef)) };
  }

  listChildren(request: GraphRequest, ref: DriveRef, itemRef: ItemRef): GraphReply {
    const scope = this.open(request, ref, 'read');
    const parent = this.items.resolve(request.caller.tenantId, scope.drive, itemRef);
    const select = selectOf(request.query);
    const values = this.items
      .children(request.caller.tenantId, parent)
      .map((child) => applySelect(this.views.item(request.caller, scope.drive, child, request.origin), select));
    return collectionReply(request, `drives('${scope.drive.id}')/items('${parent.id}')/children`, values);
  }

  /** POST .../children: creates a folder. https://learn.microsoft.com/graph/api/driveitem-post-children */
  createFolder(request: GraphRequest, ref: DriveRef, itemRef: ItemRef): GraphReply {
    const scope = this.open(request, ref, 'write');
    const body = parseBody(createChildBody, request.body);
    if (!body.folder || body.file) {
      throw GraphError.invalidRequest('Only folders can be created here; upload files with PUT .../content.');
    }
    const parent = this.items.resolve(request.caller.tenantId, scope.drive, itemRef);
    const behavior = conflictBehaviorOf(request.query, body['@microsoft.graph.conflictBehavior'], 'fail');
    const { item, created } = this.items.createFolder(request.caller.tenantId, parent, body.name, behavior);
    return { status: created ? 201 : 200, json: this.entity(scope, item) };
  }

  /** PATCH: rename and/or move. https://learn.microsoft.com/graph/api/driveitem-move */
  updateItem(request: GraphRequest, ref: DriveRef, itemRef: ItemRef): GraphReply {
    const scope = this.open(request, ref, 'write');
    const tenantId = request.caller.tenantId;
    const item = this.items.resolve(tenantId, scope.drive, itemRef);
    this.checkIfMatch(request, item);
    const body = parseBody(patchBody, request.body);
    const target = body.parentReference;
    if (target?.driveId !== undefined && target.driveId !== scope.drive.id) {
      throw GraphError.invalidRequest('Items cannot be moved between drives with this request; copy them instead.');
    }
    let parentId = target?.id;
    if (parentId === undefined && target?.path !== undefined) {
      const segments = pathSegmentsOf(target.path);
      if (segments === null) throw GraphError.invalidRequest('parentReference.path is not a drive path.');
      parentId = this.items.resolve(tenantId, scope.drive, { base: { by: 'root' }, path: segments }).id;
    }
    const behavior = conflictBehaviorOf(request.query, body['@microsoft.graph.conflictBehavior'], 'fail');
    const updated = this.items.update(tenantId, scope.drive, item, { name: body.name, parentId }, behavior);
    return { status: 200, json: this.entity(scope, updated) };
  }

  /** DELETE: 204 No Content. https://learn.microsoft.com/graph/api/driveitem-delete */
  deleteItem(request: GraphRequest, ref: DriveRef, itemRef: ItemRef): GraphReply {
    const scope = this.open(request, ref, 'write');
    const item = this.items.resolve(request.caller.tenantId, scope.drive, itemRef);
    this.checkIfMatch(request, item);
    this.items.remove(request.caller.tenantId, item);
    return { status: 204 };
  }

  /** GET .../content: 302 to the pre-authenticated download URL, or 304 for a matching If-None-Match. */
  download(request: GraphRequest, ref: DriveRef, itemRef: ItemRef): GraphReply {
    const scope = this.open(request, ref, 'read');
    const item = this.items.resolve(request.caller.tenantId, scope.drive, itemRef);
    if (item.kind !== 'file') throw GraphError.invalidRequest('Only files can be downloaded.');
    const ifNoneMatch = request.header('if-none-match');
    if (ifNoneMatch !== undefined && (ifNoneMatch === eTagOf(item) || ifNoneMatch === cTagOf(item)))
      return { status: 304 };
    return { status: 302, location: this.views.downloadUrl(request.caller, item, request.origin) };
  }

  /**
   * GET .../contentStream: the bytes themselves (200, or 206 for a Range), no redirect.
   * https://learn.microsoft.com/graph/api/driveitem-get-contentstream
   */
  contentStream(request: GraphRequest, ref: DriveRef, itemRef: ItemRef): GraphReply {
    const scope = this.open(request, ref, 'read');
    const item = this.items.resolve(request.caller.tenantId, scope.drive, itemRef);
    if (item.kind !== 'file') throw GraphError.invalidRequest('Only files can be downloaded.');
    return bytesReply(item, request.header('range'));
  }

  /** PUT .../content: simple upload. https://learn.microsoft.com/graph/api/driveitem-put-content */
  upload(request: GraphRequest, ref: DriveRef, itemRef: ItemRef): GraphReply {
    const scope = this.open(request, ref, 'write');
    const content = request.body;
    if (itemRef.path.length === 0)
      this.checkIfMatch(request, this.items.resolve(request.caller.tenantId, scope.drive, itemRef));
    const behavior = conflictBehaviorOf(request.query, undefined, 'replace');
    const { item, created } = this.items.upload(request.caller.tenantId, scope.drive, itemRef, content, behavior);
    return { status: created ? 201 : 200, json: this.entity(scope, item) };
  }

  /** GET .../search(q='...'): https://learn.microsoft.com/graph/api/driveitem-search */
  search(request: GraphRequest, ref: DriveRef, itemRef: ItemRef, query: string): GraphReply {
    const scope = this.open(request, ref, 'read');
    const under = this.items.resolve(request.caller.tenantId, scope.drive, itemRef);
    const select = selectOf(request.query);
    const values = this.items
      .search(request.caller.tenantId, under, query)
      .map((found) => applySelect(this.views.item(request.caller, scope.drive, found, request.origin), select));
    return collectionReply(request, 'Collection(driveItem)', values);
  }

  private entity(scope: DriveScope, item: DriveItem) {
    const { request, drive } = scope;
    const json = {
      '@odata.context': odataContext(request.caller.cloud, `drives('${drive.id}')/items/$entity`),
      ...this.views.item(request.caller, drive, item, request.origin),
    };
    return applySelect(json, selectOf(request.query));
  }

  /** If-Match with a stale eTag or cTag: 412, so concurrent writers do not overwrite each other. */
  private checkIfMatch(request: GraphRequest, item: DriveItem): void {
    const ifMatch = request.header('if-match');
    if (ifMatch === undefined || ifMatch === '*' || ifMatch === eTagOf(item) || ifMatch === cTagOf(item)) return;
    throw new GraphError(412, 'preconditionFailed', "ETag does not match the item's current value.");
  }
}
