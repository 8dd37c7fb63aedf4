// Graph refusing a principal a resource it could reach before: a user removed from a SharePoint
// site or a drive's permissions, an app whose site permission (Sites.Selected) was withdrawn, or
// a token Graph stops accepting for a user (continuous access evaluation: account disabled,
// password reset, high user risk). Graph answers 403 accessDenied for the first cases and 401
// InvalidAuthenticationToken for the last. A drive or site deleted, or no longer visible to the
// caller, answers 404 itemNotFound ("The requested resource doesn't exist"; OneDrive's
// itemNotFound, "The resource could not be found"): the 404 mode, for a drive or a site only.
// https://learn.microsoft.com/graph/errors, https://learn.microsoft.com/graph/resolve-auth-errors,
// https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors,
// https://learn.microsoft.com/entra/identity/conditional-access/concept-continuous-access-evaluation
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GraphError } from '../graph-error';
import type { DriveRef, GraphTarget, SiteRef } from '../routing/graph-route';
import type { GraphCaller } from './graph-permissions';

export const accessDenialSchema = z
  .object({
    tenantId: z.string().min(1),
    /** The signed-in user (object id) of delegated tokens. */
    userId: z.string().min(1).optional(),
    /** The app (client id), delegated or app-only. */
    clientId: z.string().min(1).optional(),
    /** Only requests to this drive (addressed by id: `/drives/{id}…`). */
    driveId: z.string().min(1).optional(),
    /** Only requests to this site (addressed by id: `/sites/{id}…`, its drives included). */
    siteId: z.string().min(1).optional(),
    /**
     * 403 accessDenied (default), 401 InvalidAuthenticationToken, or 404 itemNotFound (the drive
     * or site deleted or hidden from the caller: needs a driveId or a siteId).
     */
    status: z.union([z.literal(401), z.literal(403), z.literal(404)]).default(403),
  })
  .refine((d) => d.userId !== undefined || d.clientId !== undefined, { message: 'name a userId or a clientId' })
  .refine((d) => d.driveId === undefined || d.siteId === undefined, { message: 'give driveId or siteId, not both' })
  .refine((d) => d.status !== 404 || d.driveId !== undefined || d.siteId !== undefined, {
    message: 'a 404 (itemNotFound) needs a driveId or a siteId',
  });

export type AccessDenialInput = z.input<typeof accessDenialSchema>;
export type AccessDenial = z.output<typeof accessDenialSchema> & { id: string };

function siteIdOf(ref: SiteRef): string | null {
  return ref.by === 'id' ? ref.id : null;
}

function driveIdOf(ref: DriveRef): { driveId: string | null; siteId: string | null } {
  if (ref.by === 'id') return { driveId: ref.driveId, siteId: null };
  if (ref.by === 'site') return { driveId: null, siteId: siteIdOf(ref.site) };
  return { driveId: null, siteId: null };
}

/** What a target addresses, by id: the drive and the site. */
function addressed(target: GraphTarget): { driveId: string | null; siteId: string | null } {
  if (target.kind === 'me' || target.kind === 'user') return { driveId: null, siteId: null };
  if (target.kind === 'site' || target.kind === 'siteDrives') return { driveId: null, siteId: siteIdOf(target.site) };
  return driveIdOf(target.drive);
}

/**
 * Access denials set through the control API: Graph refuses the matching caller (a user, an app,
 * or that user through that app) on one drive, one site, or everything, until the denial is removed
 * (a 404 denial hides one drive or site from the caller, as if it were deleted).
 */
export class GraphAccessDenials {
  private denials: AccessDenial[] = [];

  add(input: AccessDenialInput): AccessDenial {
    const denial = { ...accessDenialSchema.parse(input), id: randomUUID() };
    this.denials.push(denial);
    return denial;
  }

  list(): AccessDenial[] {
    return this.denials.map((d) => ({ ...d }));
  }

  remove(id: string): boolean {
    const before = this.denials.length;
    this.denials = this.denials.filter((d) => d.id !== id);
    return this.denials.length !== before;
  }

  clear(): void {
    this.denials = [];
  }

  /** Throws Graph's refusal when a denial matches the caller and the target. */
  check(caller: GraphCaller, target: GraphTarget): void {
    if (this.denials.length === 0) return;
    const { driveId, siteId } = addressed(target);
    for (const denial of this.denials) {
      if (denial.tenantId !== caller.tenantId) continue;
      if (denial.userId !== undefined && denial.userId !== caller.userId) continue;
      if (denial.clientId !== undefined && denial.clientId !== caller.clientId) continue;
      if (denial.driveId !== undefined && denial.driveId !== driveId) continue;
      if (denial.siteId !== undefined && denial.siteId !== siteId) continue;
      if (denial.status === 404) throw GraphError.itemNotFound();
      throw denial.status === 401
        ? GraphError.unauthenticated('Access token validation failure: the token is no longer accepted.')
        : GraphError.accessDenied();
    }
  }
}
