import type { ControllableClock } from '../clock/controllable-clock';
import type { AdminConsent, AppRegistration, AppSecret, DirectoryTenant } from '../directory/directory.types';
import type { InMemoryDirectoryStore, NewApp, NewTenant, NewUser } from '../directory/in-memory-directory.store';
import type { GraphAccessDenials } from '../graph/auth/access-denials';
import type { ConditionalAccessPolicies } from '../identity/conditional-access';
import type { RefreshTokenStore } from '../tokens/grant-stores';
import { seedUsers, type BulkUsersInput, type BulkUsersResult } from './bulk-seed';
import type { FaultInjector } from './faults';
import type { RequestLog } from './request-log';

/** The live state the control API acts on. */
export interface ControlDependencies {
  store: InMemoryDirectoryStore;
  clock: ControllableClock;
  faults: FaultInjector;
  requestLog: RequestLog;
  policies: ConditionalAccessPolicies;
  refreshTokens: RefreshTokenStore;
  accessDenials: GraphAccessDenials;
  reset: () => void;
}

/** An app as the control API shows it: secrets by id and hint only. */
function appView(app: AppRegistration): Record<string, unknown> {
  return {
    clientId: app.clientId,
    displayName: app.displayName,
    homeTenantId: app.homeTenantId,
    signInAudience: app.signInAudience,
    redirectUris: app.redirectUris,
    delegatedPermissions: app.delegatedPermissions,
    applicationPermissions: app.applicationPermissions,
    groupMembershipClaims: app.groupMembershipClaims,
    secrets: app.secrets.map((s) => ({ id: s.id, hint: s.hint, expiresAt: s.expiresAt.toISOString() })),
    certificates: app.certificates.map((c) => ({
      id: c.id,
      x5t: c.x5t,
      x5tS256: c.x5tS256,
      expiresAt: c.expiresAt.toISOString(),
    })),
  };
}

/** A newly made secret: the one reply that carries its value, as in the Entra portal. */
function createdSecret(secret: AppSecret): Record<string, unknown> {
  return { id: secret.id, hint: secret.hint, value: secret.value, expiresAt: secret.expiresAt.toISOString() };
}

/** What the control API does, over the emulator's live state. */
export class ControlService {
  private readonly store: InMemoryDirectoryStore;
  private readonly clock: ControllableClock;
  readonly faults: FaultInjector;
  readonly requestLog: RequestLog;
  readonly policies: ConditionalAccessPolicies;
  readonly refreshTokens: RefreshTokenStore;
  readonly accessDenials: GraphAccessDenials;
  private readonly resetState: () => void;

  constructor(deps: ControlDependencies) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.faults = deps.faults;
    this.requestLog = deps.requestLog;
    this.policies = deps.policies;
    this.refreshTokens = deps.refreshTokens;
    this.accessDenials = deps.accessDenials;
    this.resetState = deps.reset;
  }

  directorySummary(): Record<string, unknown> {
    return {
      tenants: this.store.tenants(),
      users: this.store.tenants().flatMap((t) => this.store.usersOf(t.id)),
      apps: this.store.appsList().map(appView),
    };
  }

  addTenant(input: Omit<NewTenant, 'id' | 'kind'> & { id?: string }): DirectoryTenant {
    return this.store.addTenant({ ...input, id: input.id ?? crypto.randomUUID(), kind: 'organization' });
  }

  addUser(input: NewUser): unknown {
    return this.store.addUser(input);
  }

  updateUser(
    tenantId: string,
    userId: string,
    patch: { mfaRequired?: boolean; mfaRegistered?: boolean; accountEnabled?: boolean; isAdmin?: boolean },
  ): unknown {
    return this.store.updateUser(tenantId, userId, patch);
  }

  updateTenant(tenantId: string, patch: { usersCanConsent?: boolean }): DirectoryTenant {
    return this.store.updateTenant(tenantId, patch);
  }

  revoke(tenantId: string, userId: string): unknown {
    const user = this.store.revokeSignInSessions(tenantId, userId);
    return { id: user.id, refreshTokensValidFrom: user.refreshTokensValidFrom?.toISOString() ?? null };
  }

  addApp(input: NewApp): Record<string, unknown> {
    return appView(this.store.addApp(input));
  }

  addSecret(clientId: string, expiresInSeconds: number): Record<string, unknown> {
    const expiresAt = new Date(this.clock.now().getTime() + expiresInSeconds * 1000);
    return createdSecret(this.store.addSecret(clientId, { expiresAt }));
  }

  expireSecret(clientId: string, secretId: string): Record<string, unknown> {
    const secret = this.store.setSecretExpiry(clientId, secretId, new Date(this.clock.now().getTime() - 1000));
    return { id: secret.id, hint: secret.hint, expiresAt: secret.expiresAt.toISOString() };
  }

  rotateSecret(clientId: string, secretId: string): Record<string, unknown> {
    const old = this.store.findApp(clientId)?.secrets.find((s) => s.id === secretId);
    const lifetime = old
      ? Math.max(old.expiresAt.getTime() - this.clock.now().getTime(), 24 * 3600 * 1000)
      : 365 * 24 * 3600 * 1000;
    const created = this.store.addSecret(clientId, { expiresAt: new Date(this.clock.now().getTime() + lifetime) });
    this.store.removeSecret(clientId, secretId);
    return createdSecret(created);
  }

  removeSecret(clientId: string, secretId: string): void {
    this.store.removeSecret(clientId, secretId);
  }

  addCertificate(clientId: string, certificatePem: string): Record<string, unknown> {
    const c = this.store.addCertificate(clientId, certificatePem);
    return { id: c.id, x5t: c.x5t, x5tS256: c.x5tS256, expiresAt: c.expiresAt.toISOString() };
  }

  grantAdminConsent(input: { tenantId: string; clientId: string; roles: string[]; scopes: string[] }): AdminConsent {
    return this.store.grantAdminConsent({ ...input, grantedBy: 'control-api' });
  }

  removeAdminConsent(tenantId: string, clientId: string): boolean {
    return this.store.removeAdminConsent(tenantId, clientId);
  }

  removeUserConsent(tenantId: string, userId: string, clientId: string): boolean {
    return this.store.removeUserConsent(tenantId, userId, clientId);
  }

  seedUsers(input: BulkUsersInput): BulkUsersResult {
    return seedUsers(this.store, this.refreshTokens, this.clock, input);
  }

  reset(): void {
    this.resetState();
  }
}
