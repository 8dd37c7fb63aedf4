// The emulator's model of a Microsoft directory world: tenants, users, app registrations,
// consents, and the SharePoint/OneDrive objects Graph serves. Shared by the identity side
// (authorize/token/adminconsent) and the Graph side; both reach it through `DirectoryStore`.

/** The national clouds the emulator answers as. Hosts per cloud live in `clouds.ts`. */
export type CloudName = 'global' | 'usgov-l4' | 'usgov-l5' | 'china';

export interface DirectoryTenant {
  /** Directory (tenant) id, a GUID. */
  id: string;
  displayName: string;
  /** Verified domains, first is the initial `*.onmicrosoft.com` one. */
  domains: string[];
  cloud: CloudName;
  /** `consumers` is the single MSA tenant 9188040d-6c67-4c5b-b112-36a304b66dad. */
  kind: 'organization' | 'consumers';
  /**
   * The tenant's user consent setting: when false ("Do not allow user consent"), a user who is not
   * an administrator meets "Need admin approval" (AADSTS90094) instead of the consent prompt.
   * https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/configure-user-consent
   */
  usersCanConsent: boolean;
}

export interface DirectoryUser {
  /** Object id (oid), a GUID. */
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  /** Global administrator: may grant admin consent. */
  isAdmin: boolean;
  /** When set, refresh tokens issued before this instant are revoked (AADSTS50173). */
  refreshTokensValidFrom: Date | null;
  /** Conditional access demands MFA on the next token request (AADSTS50076). */
  mfaRequired: boolean;
  /**
   * The user has registered an MFA method. A user who must use MFA but has none must enroll first
   * (AADSTS50079); the emulator's sign-in page stands for that registration.
   */
  mfaRegistered: boolean;
  accountEnabled: boolean;
}

export interface AppSecret {
  id: string;
  /** First three characters, as Entra shows them. */
  hint: string;
  value: string;
  expiresAt: Date;
}

export interface AppCertificate {
  id: string;
  /** Base64url SHA-1 thumbprint (x5t) and SHA-256 thumbprint (x5t#S256). */
  x5t: string;
  x5tS256: string;
  /** PEM of the certificate (public part only). */
  certificatePem: string;
  expiresAt: Date;
}

export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs' | 'AzureADandPersonalMicrosoftAccount';

export interface AppRegistration {
  /** Application (client) id, a GUID. */
  clientId: string;
  displayName: string;
  homeTenantId: string;
  signInAudience: SignInAudience;
  redirectUris: string[];
  secrets: AppSecret[];
  certificates: AppCertificate[];
  /** Delegated Graph permissions the app asks for (e.g. Files.ReadWrite.All). */
  delegatedPermissions: string[];
  /** Application permissions (app roles) granted by admin consent (e.g. Files.Read.All). */
  applicationPermissions: string[];
  /**
   * The manifest's `groupMembershipClaims`: with `DirectoryRole` or `All`, tokens carry `wids`,
   * the directory role templates of the signed-in user.
   * https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference#payload-claims
   */
  groupMembershipClaims: GroupMembershipClaims;
}

export type GroupMembershipClaims = 'None' | 'SecurityGroup' | 'DirectoryRole' | 'All';

/** Built-in directory role template ids (the values of `wids`). https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/permissions-reference */
export const ROLE_TEMPLATES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  /** Every member user holds it; Microsoft lists it in `wids` too. */
  user: 'b79fbf4d-3ef9-4689-8143-76b194e85509',
} as const;

export interface AdminConsent {
  tenantId: string;
  clientId: string;
  /** Application roles granted for app-only tokens. */
  roles: string[];
  /** Delegated scopes granted for every user of the tenant. */
  scopes: string[];
  grantedAt: Date;
  grantedBy: string;
}

export interface UserConsent {
  tenantId: string;
  userId: string;
  clientId: string;
  scopes: string[];
  grantedAt: Date;
}

export interface Site {
  /** Graph composite id: `{hostname},{siteCollectionId},{webId}`. */
  id: string;
  tenantId: string;
  hostname: string;
  /** Server-relative path such as `/sites/Marketing`. */
  serverRelativePath: string;
  displayName: string;
  name: string;
  webUrl: string;
}

export interface Drive {
  id: string;
  tenantId: string;
  driveType: 'business' | 'personal' | 'documentLibrary';
  name: string;
  /** The user whose OneDrive this is, for business/personal drives. */
  ownerUserId: string | null;
  /** The site whose document library this is. */
  siteId: string | null;
  webUrl: string;
}

export interface DriveItem {
  id: string;
  driveId: string;
  /** null for the root folder. */
  parentId: string | null;
  name: string;
  kind: 'folder' | 'file';
  mimeType: string | null;
  content: Buffer | null;
  createdAt: Date;
  lastModifiedAt: Date;
  /** Changes on every write, used for eTag/cTag. */
  version: number;
}

/**
 * Claims of an emulator-issued access token after its signature, issuer, audience and
 * lifetime were checked. `scp` is present for delegated tokens, `roles` for app-only ones.
 */
export interface VerifiedAccessToken {
  tid: string;
  oid: string;
  appid: string;
  aud: string;
  iss: string;
  cloud: CloudName;
  scp: string[] | null;
  roles: string[] | null;
  exp: number;
}
