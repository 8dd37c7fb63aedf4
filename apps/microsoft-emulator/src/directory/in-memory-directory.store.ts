import { randomUUID } from 'node:crypto';
import { addCertificateTo, addSecretTo } from './app-credentials';
import { ConsentGrants } from './consent-grants';
import type { DirectoryStore, EmulatorClock } from './contracts';
import type {
  AdminConsent,
  AppCertificate,
  AppRegistration,
  AppSecret,
  Drive,
  DriveItem,
  DirectoryTenant,
  DirectoryUser,
  Site,
  UserConsent,
} from './directory.types';
import { DriveTree } from './drive-tree';
import { driveIdFor } from './ids';
import { UserIndex } from './user-index';

/** A tenant to add; the consent setting defaults to Entra's "Allow user consent". */
export type NewTenant = Omit<DirectoryTenant, 'usersCanConsent'> & Partial<Pick<DirectoryTenant, 'usersCanConsent'>>;

/** A user to add; everything but the names has a default. */
export type NewUser = Pick<DirectoryUser, 'tenantId' | 'userPrincipalName' | 'displayName'> &
  Partial<Omit<DirectoryUser, 'tenantId' | 'userPrincipalName' | 'displayName'>>;

/** An app to add; secrets and certificates are added with `addSecret`/`addCertificate`. */
export type NewApp = Pick<AppRegistration, 'displayName' | 'homeTenantId' | 'signInAudience' | 'redirectUris'> &
  Partial<
    Pick<AppRegistration, 'clientId' | 'delegatedPermissions' | 'applicationPermissions' | 'groupMembershipClaims'>
  >;

/** Thrown by mutations naming something the directory does not hold; the control API maps it to 404. */
export class DirectoryObjectNotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'DirectoryObjectNotFoundError';
  }
}

/**
 * The emulator's directory, held in memory. Reads implement `DirectoryStore`; the mutations are
 * what the seed and the control API use. Every read of tenant data is scoped by tenant id.
 */
export class InMemoryDirectoryStore implements DirectoryStore {
  private readonly tenantsById = new Map<string, DirectoryTenant>();
  private readonly users = new UserIndex();
  private readonly apps = new Map<string, AppRegistration>();
  private readonly consents = new ConsentGrants();
  private readonly sites = new Map<string, Site>();
  private readonly driveTree = new DriveTree();

  constructor(private readonly clock: EmulatorClock) {}

  tenants(): DirectoryTenant[] {
    return [...this.tenantsById.values()];
  }

  findTenant(idOrDomain: string): DirectoryTenant | undefined {
    const key = idOrDomain.toLowerCase();
    const byId = this.tenantsById.get(key);
    if (byId) return byId;
    return this.tenants().find((t) => t.domains.some((d) => d.toLowerCase() === key));
  }

  findUser(tenantId: string, idOrUpn: string): DirectoryUser | undefined {
    const user = this.users.get(idOrUpn) ?? this.users.byPrincipalName(idOrUpn);
    return user?.tenantId === tenantId ? user : undefined;
  }

  /** A user by UPN in any tenant: what a sign-in page does with the name a person types. */
  findUserByUpn(upn: string): DirectoryUser | undefined {
    return this.users.byPrincipalName(upn);
  }

  usersOf(tenantId: string): DirectoryUser[] {
    return this.users.ofTenant(tenantId);
  }

  userCount(tenantId: string): number {
    return this.users.countOfTenant(tenantId);
  }

  findApp(clientId: string): AppRegistration | undefined {
    return this.apps.get(clientId.toLowerCase());
  }

  appsList(): AppRegistration[] {
    return [...this.apps.values()];
  }

  findAdminConsent(tenantId: string, clientId: string): AdminConsent | undefined {
    return this.consents.findAdmin(tenantId, clientId);
  }

  findUserConsent(tenantId: string, userId: string, clientId: string): UserConsent | undefined {
    return this.consents.findUser(tenantId, userId, clientId);
  }

  sitesOf(tenantId: string): Site[] {
    return [...this.sites.values()].filter((s) => s.tenantId === tenantId);
  }

  findSite(tenantId: string, id: string): Site | undefined {
    const site = this.sites.get(id.toLowerCase());
    return site?.tenantId === tenantId ? site : undefined;
  }

  findSiteByPath(tenantId: string, hostname: string, serverRelativePath: string): Site | undefined {
    const path = `/${serverRelativePath.replace(/^\/+|\/+$/g, '')}`.toLowerCase();
    return this.sitesOf(tenantId).find(
      (s) => s.hostname.toLowerCase() === hostname.toLowerCase() && s.serverRelativePath.toLowerCase() === path,
    );
  }

  findDrive(tenantId: string, driveId: string): Drive | undefined {
    return this.driveTree.drive(tenantId, driveId);
  }

  drivesOfSite(tenantId: string, siteId: string): Drive[] {
    return this.driveTree.allDrives().filter((d) => d.tenantId === tenantId && d.siteId === siteId);
  }

  driveOfUser(tenantId: string, userId: string): Drive {
    const user = this.findUser(tenantId, userId);
    if (!user) throw new DirectoryObjectNotFoundError(`user ${userId} in tenant ${tenantId}`);
    const id = driveIdFor(`onedrive:${user.id}`);
    const existing = this.driveTree.drive(tenantId, id);
    if (existing) return existing;
    const tenant = this.tenantsById.get(tenantId);
    const personal = tenant?.kind === 'consumers';
    const slug = user.userPrincipalName.replace(/[@.]/g, '_');
    const drive: Drive = {
      id,
      tenantId,
      driveType: personal ? 'personal' : 'business',
      name: 'OneDrive',
      ownerUserId: user.id,
      siteId: null,
      webUrl: personal
        ? `https://onedrive.live.com/?cid=${user.id.replace(/-/g, '').slice(0, 16)}`
        : `https://${(tenant?.domains[0] ?? 'tenant').split('.')[0]}-my.sharepoint.com/personal/${slug}/Documents`,
    };
    this.driveTree.addDrive(drive, this.clock.now());
    return drive;
  }

  findItem(tenantId: string, driveId: string, itemId: string): DriveItem | undefined {
    return this.driveTree.item(tenantId, driveId, itemId);
  }

  rootOf(tenantId: string, driveId: string): DriveItem {
    return this.driveTree.root(tenantId, driveId);
  }

  childrenOf(tenantId: string, driveId: string, itemId: string): DriveItem[] {
    return this.driveTree.children(tenantId, driveId, itemId);
  }

  putItem(tenantId: string, item: DriveItem): DriveItem {
    return this.driveTree.put(tenantId, item);
  }

  deleteItem(tenantId: string, driveId: string, itemId: string): void {
    this.driveTree.delete(tenantId, driveId, itemId);
  }

  // ---- mutations (seed and control API) ----

  addTenant(tenant: NewTenant): DirectoryTenant {
    const stored: DirectoryTenant = {
      ...tenant,
      id: tenant.id.toLowerCase(),
      usersCanConsent: tenant.usersCanConsent ?? true,
    };
    this.tenantsById.set(stored.id, stored);
    return stored;
  }

  addUser(input: NewUser): DirectoryUser {
    if (!this.tenantsById.has(input.tenantId)) throw new DirectoryObjectNotFoundError(`tenant ${input.tenantId}`);
    const user: DirectoryUser = {
      id: (input.id ?? randomUUID()).toLowerCase(),
      mail: input.mail ?? input.userPrincipalName,
      isAdmin: input.isAdmin ?? false,
      refreshTokensValidFrom: input.refreshTokensValidFrom ?? null,
      mfaRequired: input.mfaRequired ?? false,
      mfaRegistered: input.mfaRegistered ?? true,
      accountEnabled: input.accountEnabled ?? true,
      tenantId: input.tenantId,
      userPrincipalName: input.userPrincipalName,
      displayName: input.displayName,
    };
    this.users.add(user);
    return user;
  }

  /** Changes a user in place (MFA requirement, account state) and returns it. */
  updateUser(
    tenantId: string,
    userId: string,
    patch: Partial<Pick<DirectoryUser, 'mfaRequired' | 'mfaRegistered' | 'accountEnabled' | 'isAdmin' | 'displayName'>>,
  ): DirectoryUser {
    const user = this.findUser(tenantId, userId);
    if (!user) throw new DirectoryObjectNotFoundError(`user ${userId} in tenant ${tenantId}`);
    Object.assign(user, patch);
    return user;
  }

  /** Changes a tenant's settings (the user consent setting) in place. */
  updateTenant(tenantId: string, patch: Partial<Pick<DirectoryTenant, 'usersCanConsent'>>): DirectoryTenant {
    const tenant = this.tenantsById.get(tenantId.toLowerCase());
    if (!tenant) throw new DirectoryObjectNotFoundError(`tenant ${tenantId}`);
    Object.assign(tenant, patch);
    return tenant;
  }

  /**
   * Revokes every refresh token the user holds, as `revokeSignInSessions` does in Graph:
   * tokens issued before now fail with AADSTS50173.
   */
  revokeSignInSessions(tenantId: string, userId: string): DirectoryUser {
    const user = this.findUser(tenantId, userId);
    if (!user) throw new DirectoryObjectNotFoundError(`user ${userId} in tenant ${tenantId}`);
    user.refreshTokensValidFrom = this.clock.now();
    return user;
  }

  addApp(input: NewApp): AppRegistration {
    const app: AppRegistration = {
      clientId: (input.clientId ?? randomUUID()).toLowerCase(),
      displayName: input.displayName,
      homeTenantId: input.homeTenantId,
      signInAudience: input.signInAudience,
      redirectUris: [...input.redirectUris],
      secrets: [],
      certificates: [],
      delegatedPermissions: input.delegatedPermissions ?? ['User.Read', 'offline_access', 'openid', 'profile'],
      applicationPermissions: input.applicationPermissions ?? [],
      groupMembershipClaims: input.groupMembershipClaims ?? 'None',
    };
    this.apps.set(app.clientId, app);
    return app;
  }

  /** Adds a client secret; the value is generated unless given (the seed names a fixed demo secret). */
  addSecret(clientId: string, options: { expiresAt: Date; value?: string; id?: string }): AppSecret {
    return addSecretTo(this.requireApp(clientId), options);
  }

  /** Moves a secret's expiry (to the past, to test AADSTS7000222). */
  setSecretExpiry(clientId: string, secretId: string, expiresAt: Date): AppSecret {
    const secret = this.requireApp(clientId).secrets.find((s) => s.id === secretId);
    if (!secret) throw new DirectoryObjectNotFoundError(`secret ${secretId}`);
    secret.expiresAt = expiresAt;
    return secret;
  }

  removeSecret(clientId: string, secretId: string): void {
    const app = this.requireApp(clientId);
    app.secrets = app.secrets.filter((s) => s.id !== secretId);
  }

  /** Registers a certificate's public part; thumbprints are computed from its DER bytes. */
  addCertificate(clientId: string, certificatePem: string, id: string = randomUUID()): AppCertificate {
    return addCertificateTo(this.requireApp(clientId), certificatePem, id);
  }

  grantAdminConsent(input: Omit<AdminConsent, 'grantedAt'>): AdminConsent {
    return this.consents.grantAdmin(input, this.clock.now());
  }

  removeAdminConsent(tenantId: string, clientId: string): boolean {
    return this.consents.removeAdmin(tenantId, clientId);
  }

  /** Records a user's consent, merged with earlier ones (see ConsentGrants.grantUser). */
  grantUserConsent(input: Omit<UserConsent, 'grantedAt'>): UserConsent {
    return this.consents.grantUser(input, this.clock.now());
  }

  removeUserConsent(tenantId: string, userId: string, clientId: string): boolean {
    return this.consents.removeUser(tenantId, userId, clientId);
  }

  addSite(site: Site): Site {
    const stored = { ...site, id: site.id.toLowerCase() };
    this.sites.set(stored.id, stored);
    return stored;
  }

  /** Adds a drive and its root folder (with a fixed root id when given). */
  addDrive(drive: Drive, rootId?: string): DriveItem {
    return this.driveTree.addDrive(drive, this.clock.now(), rootId);
  }

  /** Empties the directory (the control API's reset seeds it again). */
  clear(): void {
    for (const part of [this.tenantsById, this.users, this.apps, this.consents, this.sites]) part.clear();
    this.driveTree.clear();
  }

  private requireApp(clientId: string): AppRegistration {
    const app = this.findApp(clientId);
    if (!app) throw new DirectoryObjectNotFoundError(`application ${clientId}`);
    return app;
  }
}
