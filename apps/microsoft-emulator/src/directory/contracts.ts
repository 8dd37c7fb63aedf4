// Injection contracts between the emulator's identity side and its Graph side. The identity
// side provides both tokens; the Graph module only consumes them.
import type {
  AdminConsent,
  AppRegistration,
  CloudName,
  Drive,
  DriveItem,
  DirectoryTenant,
  DirectoryUser,
  Site,
  UserConsent,
  VerifiedAccessToken,
} from './directory.types';

export const DIRECTORY_STORE = Symbol('DIRECTORY_STORE');
export const ACCESS_TOKEN_VERIFIER = Symbol('ACCESS_TOKEN_VERIFIER');
export const EMULATOR_CLOCK = Symbol('EMULATOR_CLOCK');

/** The emulator's clock; the control API can move it forward. */
export interface EmulatorClock {
  now(): Date;
}

/** In-memory directory. Synchronous: everything lives in the emulator process. */
export interface DirectoryStore {
  tenants(): DirectoryTenant[];
  /** By GUID or verified domain. */
  findTenant(idOrDomain: string): DirectoryTenant | undefined;
  findUser(tenantId: string, idOrUpn: string): DirectoryUser | undefined;
  usersOf(tenantId: string): DirectoryUser[];
  findApp(clientId: string): AppRegistration | undefined;
  findAdminConsent(tenantId: string, clientId: string): AdminConsent | undefined;
  findUserConsent(tenantId: string, userId: string, clientId: string): UserConsent | undefined;

  sitesOf(tenantId: string): Site[];
  findSite(tenantId: string, id: string): Site | undefined;
  findSiteByPath(tenantId: string, hostname: string, serverRelativePath: string): Site | undefined;
  findDrive(tenantId: string, driveId: string): Drive | undefined;
  drivesOfSite(tenantId: string, siteId: string): Drive[];
  /** The user's OneDrive, created on first use as Graph does when a user first opens it. */
  driveOfUser(tenantId: string, userId: string): Drive;
  findItem(tenantId: string, driveId: string, itemId: string): DriveItem | undefined;
  rootOf(tenantId: string, driveId: string): DriveItem;
  childrenOf(tenantId: string, driveId: string, itemId: string): DriveItem[];
  putItem(tenantId: string, item: DriveItem): DriveItem;
  deleteItem(tenantId: string, driveId: string, itemId: string): void;
}

/** Thrown by `AccessTokenVerifier.verify`; the Graph side maps it to 401 InvalidAuthenticationToken. */
export class InvalidAccessTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'InvalidAccessTokenError';
  }
}

export interface AccessTokenVerifier {
  /**
   * Checks an access token presented to Graph of `cloud`: signature against the emulator's
   * signing keys, issuer of that cloud, audience of Graph, expiry by the emulator clock,
   * and that the user/consent has not been revoked since issue.
   */
  verify(token: string, cloud: CloudName): Promise<VerifiedAccessToken>;
}
