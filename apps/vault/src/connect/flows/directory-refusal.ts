import type { ConnectSessionRecord } from '../sessions/connect-sessions.repository';
import type { EventsService } from '../../events/events.service';
import { FlowFailure } from './flow-failure';

/**
 * Records that an install was refused because its directory is already installed for another
 * tenant of the project (`installation.refused`, for the operator: it names the holder), and
 * returns the failure shown to the admin (which names no other tenant).
 */
export async function refuseInstalledDirectory(
  events: EventsService,
  session: ConnectSessionRecord,
  directoryId: string,
  holder: { tenantId: string; installationId: string } | null,
): Promise<FlowFailure> {
  await events.append(session.projectId, session.tenantExternalId, 'installation.refused', {
    reason: 'directory_already_installed',
    provider: session.provider,
    directoryId,
    ...(holder !== null ? { installedForTenantId: holder.tenantId, installationId: holder.installationId } : {}),
  });
  return FlowFailure.of(
    409,
    'directory_already_installed',
    'Your Microsoft organisation is already connected to this application under another account.',
    'Contact the application: it can remove the existing installation, or allow one organisation to be shared by several of its accounts.',
  );
}
