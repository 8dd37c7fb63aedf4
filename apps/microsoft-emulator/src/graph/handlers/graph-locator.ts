import { Inject, Injectable } from '@nestjs/common';
import { DIRECTORY_STORE, type DirectoryStore } from '../../directory/contracts';
import type { DirectoryUser, Drive, Site } from '../../directory/directory.types';
import { type GraphCaller, signedInUserOf } from '../auth/graph-permissions';
import { GraphError } from '../graph-error';
import type { DriveRef, SiteRef } from '../routing/graph-route';

/** The directory's 404 for a user, naming the id the client asked for. */
export function userNotFound(idOrUpn: string): GraphError {
  return new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${idOrUpn.slice(0, 100)}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

/**
 * Finds the users, sites and drives a request names, always inside the caller's tenant: an id
 * of another tenant is answered exactly like an id that does not exist.
 */
@Injectable()
export class GraphLocator {
  constructor(@Inject(DIRECTORY_STORE) private readonly store: DirectoryStore) {}

  /** A user of the caller's tenant by object id or UPN. */
  findUser(caller: GraphCaller, idOrUpn: string): DirectoryUser | undefined {
    return this.store.findUser(caller.tenantId, idOrUpn);
  }

  /**
   * A site by composite id, by `{hostname}:/{path}`, or by bare host name (its root site).
   * https://learn.microsoft.com/graph/api/site-getbypath
   */
  site(caller: GraphCaller, ref: SiteRef): Site {
    const site =
      ref.by === 'path'
        ? this.store.findSiteByPath(caller.tenantId, ref.hostname, ref.path)
        : (this.store.findSite(caller.tenantId, ref.id) ??
          (ref.id.includes(',') ? undefined : this.store.findSiteByPath(caller.tenantId, ref.id, '/')));
    if (!site) throw GraphError.itemNotFound('Requested site could not be found');
    return site;
  }

  drive(caller: GraphCaller, ref: DriveRef): Drive {
    switch (ref.by) {
      case 'me':
        return this.store.driveOfUser(caller.tenantId, signedInUserOf(caller));
      case 'user': {
        const user = this.store.findUser(caller.tenantId, ref.user);
        if (!user) throw GraphError.itemNotFound();
        return this.store.driveOfUser(caller.tenantId, user.id);
      }
      case 'id': {
        const drive = this.store.findDrive(caller.tenantId, ref.driveId);
        if (!drive) throw GraphError.itemNotFound();
        return drive;
      }
      case 'site': {
        // A site's default drive is its first document library ("Documents").
        const [library] = this.store.drivesOfSite(caller.tenantId, this.site(caller, ref.site).id);
        if (!library) throw GraphError.itemNotFound();
        return library;
      }
    }
  }

  drivesOfSite(caller: GraphCaller, ref: SiteRef): Drive[] {
    return this.store.drivesOfSite(caller.tenantId, this.site(caller, ref).id);
  }

  ownerOf(caller: GraphCaller, drive: Drive): DirectoryUser | null {
    return drive.ownerUserId === null ? null : (this.store.findUser(caller.tenantId, drive.ownerUserId) ?? null);
  }
}
