// A benchmark aid, not Microsoft behaviour: many users (and their consents and refresh tokens) in
// one control call, so a refresh benchmark can start from N connected users without N sign-ins.
import { randomUUID } from 'node:crypto';
import type { ControllableClock } from '../clock/controllable-clock';
import { DirectoryObjectNotFoundError, type InMemoryDirectoryStore } from '../directory/in-memory-directory.store';
import type { DelegatedGrant, RefreshTokenStore } from '../tokens/grant-stores';
import { parseScopes } from '../tokens/scopes';

export interface BulkUsersInput {
  tenantId: string;
  count: number;
  /** UPNs are `{upnPrefix}{n}@{the tenant's first domain}` for n = 1..count. */
  upnPrefix: string;
  /** Consent the users to an app's scopes, as their own sign-in would; optionally hand out refresh tokens. */
  grant?: { clientId: string; scopes: string[]; refreshTokens: boolean };
}

/** Parallel arrays (index i is user n = i + 1): compact for a benchmark to read. */
export interface BulkUsersResult {
  tenantId: string;
  count: number;
  upnPattern: string;
  userIds: string[];
  refreshTokens?: string[];
}

/** A bulk seed that would reuse a UPN already in the directory; nothing is created. */
export class BulkSeedConflictError extends Error {
  constructor(upn: string) {
    super(`user ${upn} already exists: choose another upnPrefix`);
    this.name = 'BulkSeedConflictError';
  }
}

/**
 * Creates the users in O(count): index inserts only (no scan of the directory per user), one
 * shared scope list for every grant, and the refresh-token store bounded once at the end.
 */
export function seedUsers(
  store: InMemoryDirectoryStore,
  refreshTokens: RefreshTokenStore,
  clock: ControllableClock,
  input: BulkUsersInput,
): BulkUsersResult {
  const tenant = store.findTenant(input.tenantId);
  if (!tenant) throw new DirectoryObjectNotFoundError(`tenant ${input.tenantId}`);
  const domain = tenant.domains[0] ?? 'bench.example';
  const upns = Array.from({ length: input.count }, (_, i) => `${input.upnPrefix}${i + 1}@${domain}`);
  // Checked before anything is created, so a refused call leaves the directory as it was.
  const taken = upns.find((upn) => store.findUserByUpn(upn) !== undefined);
  if (taken) throw new BulkSeedConflictError(taken);
  const app = input.grant ? store.findApp(input.grant.clientId) : undefined;
  if (input.grant && !app) throw new DirectoryObjectNotFoundError(`application ${input.grant.clientId}`);

  const now = clock.now();
  const scopes = input.grant ? parseScopes(input.grant.scopes.join(' '), tenant.cloud) : null;
  // Microsoft issues refresh tokens only for offline_access, so asking for tokens implies it.
  const oidcScopes = scopes
    ? [...new Set([...scopes.oidcScopes, ...(input.grant?.refreshTokens ? ['offline_access'] : [])])]
    : [];
  const consented = scopes ? [...new Set([...scopes.permissions, ...oidcScopes])] : [];
  const userIds: string[] = new Array<string>(input.count);
  const grants: DelegatedGrant[] = [];
  for (let n = 1; n <= input.count; n += 1) {
    const user = store.addUser({
      tenantId: tenant.id,
      id: randomUUID(),
      userPrincipalName: upns[n - 1],
      displayName: `Bench user ${n}`,
    });
    userIds[n - 1] = user.id;
    if (!app || !scopes) continue;
    // One scope list shared by every consent: nothing mutates a consent's scopes.
    store.grantUserConsent({ tenantId: tenant.id, userId: user.id, clientId: app.clientId, scopes: consented });
    if (input.grant?.refreshTokens)
      grants.push({
        tenantId: tenant.id,
        userId: user.id,
        clientId: app.clientId,
        resourceScopes: scopes.resourceScopes,
        oidcScopes,
        graphCloud: scopes.graphCloud,
        mfa: false,
        authTime: now,
      });
  }
  return {
    tenantId: tenant.id,
    count: input.count,
    upnPattern: `${input.upnPrefix}{n}@${domain}`,
    userIds,
    ...(input.grant?.refreshTokens ? { refreshTokens: refreshTokens.issueMany(grants, now) } : {}),
  };
}
