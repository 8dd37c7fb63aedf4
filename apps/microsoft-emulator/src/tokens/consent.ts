import type { DirectoryStore } from '../directory/contracts';

/**
 * Whether delegated access of `clientId` for the user stands: the user consented, or an admin
 * consented delegated scopes for everyone in the tenant. An admin consent of app roles alone does
 * not cover delegated access.
 * https://learn.microsoft.com/en-us/entra/identity-platform/permissions-consent-overview
 */
export function hasDelegatedConsent(
  store: DirectoryStore,
  tenantId: string,
  userId: string,
  clientId: string,
): boolean {
  if (store.findUserConsent(tenantId, userId, clientId)) return true;
  return (store.findAdminConsent(tenantId, clientId)?.scopes.length ?? 0) > 0;
}

/** The scopes consented for the user: the user's own consent plus the tenant-wide admin grant. */
export function consentedScopes(
  store: DirectoryStore,
  tenantId: string,
  userId: string,
  clientId: string,
): Set<string> {
  return new Set([
    ...(store.findUserConsent(tenantId, userId, clientId)?.scopes ?? []),
    ...(store.findAdminConsent(tenantId, clientId)?.scopes ?? []),
  ]);
}
