import { GraphError, MicrosoftError, toMicrosoftError, type CloudConfig, type GraphClient } from '@authpipe/microsoft';
import type { ResourceSpec } from '../sessions/connect-session.dto';
import type { ResourceKind } from '../../installations/installations.repository';
import { FlowFailure } from './flow-failure';

/** The resource an installation is bound to, as checked against Graph. */
export interface ResolvedResource {
  kind: ResourceKind | null;
  driveId: string | null;
  siteId: string | null;
  user: string | null;
  webUrl: string | null;
}

const NONE: ResolvedResource = { kind: null, driveId: null, siteId: null, user: null, webUrl: null };

/**
 * Resolves what the connect session asked the installation to bind to, with the app-only token
 * that proved the consent: a user's OneDrive, a SharePoint site's document library, or a drive
 * by id. A resource that does not exist (or the token cannot see) fails the installation.
 *
 * @throws FlowFailure resource_not_found (Graph 404/403) or resource_unavailable (other Graph failures).
 */
export async function resolveResource(
  graph: GraphClient,
  cloud: CloudConfig,
  accessToken: string,
  spec: ResourceSpec | null,
): Promise<ResolvedResource> {
  if (spec === null) return NONE;
  const auth = { cloud, accessToken };
  try {
    switch (spec.kind) {
      case 'user_drive': {
        const drive = await graph.getUserDrive(auth, spec.user);
        return { kind: 'user_drive', driveId: drive.id, siteId: null, user: spec.user, webUrl: drive.webUrl ?? null };
      }
      case 'site': {
        const site = await graph.getSiteByUrl(auth, spec.url);
        const drive = await graph.getSiteDrive(auth, site.id);
        return { kind: 'site', driveId: drive.id, siteId: site.id, user: null, webUrl: site.webUrl };
      }
      case 'drive': {
        const drive = await graph.getDrive(auth, spec.driveId);
        return { kind: 'drive', driveId: drive.id, siteId: null, user: null, webUrl: drive.webUrl ?? null };
      }
    }
  } catch (error) {
    if (error instanceof GraphError && (error.status === 404 || error.status === 403 || error.status === 400)) {
      throw FlowFailure.of(
        404,
        'resource_not_found',
        `The ${describe(spec)} was not found in the directory that granted consent, or the app may not read it.`,
        'Check the site URL, user or drive id the application asked for, then start again from the application.',
      );
    }
    const failure = error instanceof MicrosoftError ? error.failure : toMicrosoftError(error).failure;
    throw FlowFailure.fromMicrosoft(failure, 'resource_unavailable');
  }
}

function describe(spec: ResourceSpec): string {
  switch (spec.kind) {
    case 'user_drive':
      return "user's OneDrive";
    case 'site':
      return 'SharePoint site';
    case 'drive':
      return 'drive';
  }
}
