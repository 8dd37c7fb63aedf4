import { Inject, Injectable } from '@nestjs/common';
import {
  assertMayReadSites,
  assertMayReadUser,
  assertMayUseDrive,
  assertMayUseFiles,
  signedInUserOf,
} from '../auth/graph-permissions';
import { collectionReply, type GraphReply, type GraphRequest, selectOf } from '../http/graph-request';
import { applySelect, odataContext, siteJson, userJson } from '../mapping/graph-json';
import type { SiteRef } from '../routing/graph-route';
import { DriveViews } from './drive-views';
import { GraphLocator, userNotFound } from './graph-locator';

/** /me, /users/{id}, /sites/{id} and /sites/{id}/drives. */
@Injectable()
export class DirectoryHandlers {
  constructor(
    @Inject(GraphLocator) private readonly locate: GraphLocator,
    @Inject(DriveViews) private readonly views: DriveViews,
  ) {}

  /**
   * GET /me: only a delegated token has a signed-in user.
   * https://learn.microsoft.com/graph/api/user-get
   */
  me(request: GraphRequest): GraphReply {
    return this.user(request, signedInUserOf(request.caller));
  }

  /** GET /users/{id | userPrincipalName}: User.Read reaches only the signed-in user. */
  user(request: GraphRequest, idOrUpn: string): GraphReply {
    const { caller } = request;
    const target = this.locate.findUser(caller, idOrUpn);
    // Which permissions suffice depends on whether the target is the caller, so a UPN is
    // resolved first; a name that resolves to nobody counts as another user.
    assertMayReadUser(caller, target?.id ?? '');
    if (!target) throw userNotFound(idOrUpn);
    const json = { '@odata.context': odataContext(caller.cloud, 'users/$entity'), ...userJson(target) };
    return { status: 200, json: applySelect(json, selectOf(request.query)) };
  }

  /** GET /sites/{id} and /sites/{hostname}:/{path}: https://learn.microsoft.com/graph/api/site-get */
  site(request: GraphRequest, ref: SiteRef): GraphReply {
    assertMayReadSites(request.caller);
    const site = this.locate.site(request.caller, ref);
    const json = { '@odata.context': odataContext(request.caller.cloud, 'sites/$entity'), ...siteJson(site) };
    return { status: 200, json: applySelect(json, selectOf(request.query)) };
  }

  /** GET /sites/{id}/drives: https://learn.microsoft.com/graph/api/drive-list */
  siteDrives(request: GraphRequest, ref: SiteRef): GraphReply {
    const { caller } = request;
    assertMayUseFiles(caller, 'read');
    const drives = this.locate.drivesOfSite(caller, ref);
    for (const drive of drives) assertMayUseDrive(caller, 'read', drive);
    const select = selectOf(request.query);
    return collectionReply(
      request,
      'drives',
      drives.map((drive) => applySelect(this.views.drive(caller, drive), select)),
    );
  }
}
