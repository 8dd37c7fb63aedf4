// The seeded demo directory. Ids are fixed so tests, docs and the vault's sandbox can name them.
import type { DriveItem } from './directory.types';
import type { InMemoryDirectoryStore } from './in-memory-directory.store';

const CONTOSO = 'c0a70000-0000-4000-8000-000000000001';
const FABRIKAM = 'fab0a000-0000-4000-8000-000000000002';
/** The one tenant every personal Microsoft account (MSA) belongs to. */
const CONSUMERS = '9188040d-6c67-4c5b-b112-36a304b66dad';
/** National-cloud tenants: each answers only on its own cloud's login host. */
const CONTOSO_GOV = '90f00000-0000-4000-8000-000000000003';
const CONTOSO_CHINA = 'c4140000-0000-4000-8000-000000000004';
const MARKETING_SITE =
  'contoso.sharepoint.com,5a1e0000-0000-4000-8000-000000000101,5a1e0000-0000-4000-8000-000000000102';

/** Every fixed id of the seeded directory. */
export const SEED = {
  contoso: {
    tenantId: CONTOSO,
    domains: ['contoso.onmicrosoft.com', 'contoso.com'],
    admin: { id: 'c0a70000-0000-4000-8000-0000000000a1', upn: 'admin@contoso.onmicrosoft.com' },
    adele: { id: 'c0a70000-0000-4000-8000-0000000000b1', upn: 'adele@contoso.com' },
    alex: { id: 'c0a70000-0000-4000-8000-0000000000b2', upn: 'alex@contoso.com' },
    marketingSite: {
      id: MARKETING_SITE,
      hostname: 'contoso.sharepoint.com',
      serverRelativePath: '/sites/Marketing',
      driveId: 'b!marketingDocumentsLibrary0000000000000000',
      rootId: '01MARKETINGR00TAAAAAAAAAAAAAAAAAAA',
      campaignsFolderId: '01MARKETINGCAMPA1GNSAAAAAAAAAAAAAA',
      brandFileId: '01MARKETINGBRANDAAAAAAAAAAAAAAAAAA',
      launchFileId: '01MARKETINGLAUNCHAAAAAAAAAAAAAAAAA',
    },
  },
  fabrikam: {
    tenantId: FABRIKAM,
    domains: ['fabrikam.onmicrosoft.com'],
    admin: { id: 'fab0a000-0000-4000-8000-0000000000a1', upn: 'admin@fabrikam.onmicrosoft.com' },
    diego: { id: 'fab0a000-0000-4000-8000-0000000000b1', upn: 'diego@fabrikam.onmicrosoft.com' },
  },
  /** US Government (login.microsoftonline.us; Graph graph.microsoft.us for L4, dod-graph.microsoft.us for L5). */
  usGov: {
    tenantId: CONTOSO_GOV,
    cloud: 'usgov-l4',
    domains: ['contosogov.onmicrosoft.us'],
    admin: { id: '90f00000-0000-4000-8000-0000000000a1', upn: 'admin@contosogov.onmicrosoft.us' },
    grace: { id: '90f00000-0000-4000-8000-0000000000b1', upn: 'grace@contosogov.onmicrosoft.us' },
  },
  /** China, operated by 21Vianet (login.chinacloudapi.cn, microsoftgraph.chinacloudapi.cn). */
  china: {
    tenantId: CONTOSO_CHINA,
    cloud: 'china',
    domains: ['contosochina.partner.onmschina.cn'],
    admin: { id: 'c4140000-0000-4000-8000-0000000000a1', upn: 'admin@contosochina.partner.onmschina.cn' },
    li: { id: 'c4140000-0000-4000-8000-0000000000b1', upn: 'li@contosochina.partner.onmschina.cn' },
  },
  consumers: {
    tenantId: CONSUMERS,
    /** MSA object ids start with zeros, as real ones do. */
    megan: { id: '00000000-0000-0000-5eed-0000000000c1', upn: 'megan.personal@outlook.com' },
  },
  /**
   * The demo multi-tenant app. `AzureADandPersonalMicrosoftAccount`, so both work and school
   * users (any tenant, after consent) and personal accounts can sign in: the vault's sandbox can
   * show both kinds. Its home tenant is Contoso, where app permissions are already admin-consented.
   */
  demoApp: {
    clientId: 'de30a000-0000-4000-8000-00000000a991',
    secretId: 'de30a000-0000-4000-8000-00000000e001',
    /** A sandbox-only secret of a fake directory; never a real credential. */
    secretValue: 'Dem8Q~sandbox-only-secret-of-the-emulator-demo-app',
    certificateId: 'de30a000-0000-4000-8000-00000000ce01',
    redirectUris: [
      'http://localhost:3000/oauth/callback',
      'http://localhost:3000/oauth/admin-consent/callback',
      'http://127.0.0.1:3000/oauth/callback',
      'http://127.0.0.1:3000/oauth/admin-consent/callback',
      'https://localhost/oauth/callback',
    ],
  },
  /** Registered in Fabrikam only (`AzureADMyOrg`): Contoso users cannot sign in to it. */
  fabrikamApp: {
    clientId: 'fab0a000-0000-4000-8000-00000000a992',
    secretId: 'fab0a000-0000-4000-8000-00000000e002',
    secretValue: 'Fab8Q~sandbox-only-secret-of-the-emulator-fabrikam-app',
    redirectUris: ['http://localhost:3000/oauth/callback'],
  },
} as const;

const DEMO_DELEGATED = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'User.Read',
  'Files.ReadWrite.All',
  'Sites.ReadWrite.All',
];
const DEMO_ROLES = ['Files.ReadWrite.All', 'Sites.ReadWrite.All', 'User.Read.All'];
const SECRET_LIFETIME_MS = 2 * 365 * 24 * 3600 * 1000;

export interface SeedOptions {
  /** PEM certificate registered on the demo app (its key is kept by whoever made it). */
  demoAppCertificatePem?: string;
}

/** Fills an empty store with the demo directory. */
export function seedDirectory(store: InMemoryDirectoryStore, now: Date, options: SeedOptions = {}): void {
  store.addTenant({
    id: CONTOSO,
    displayName: 'Contoso',
    domains: [...SEED.contoso.domains],
    cloud: 'global',
    kind: 'organization',
  });
  store.addTenant({
    id: FABRIKAM,
    displayName: 'Fabrikam',
    domains: [...SEED.fabrikam.domains],
    cloud: 'global',
    kind: 'organization',
  });
  store.addTenant({
    id: CONSUMERS,
    displayName: 'Microsoft Accounts',
    domains: ['live.com', 'outlook.com'],
    cloud: 'global',
    kind: 'consumers',
  });

  const c = SEED.contoso;
  store.addUser({
    tenantId: CONTOSO,
    id: c.admin.id,
    userPrincipalName: c.admin.upn,
    displayName: 'Contoso Admin',
    isAdmin: true,
  });
  store.addUser({ tenantId: CONTOSO, id: c.adele.id, userPrincipalName: c.adele.upn, displayName: 'Adele Vance' });
  store.addUser({ tenantId: CONTOSO, id: c.alex.id, userPrincipalName: c.alex.upn, displayName: 'Alex Wilber' });
  const f = SEED.fabrikam;
  store.addUser({
    tenantId: FABRIKAM,
    id: f.admin.id,
    userPrincipalName: f.admin.upn,
    displayName: 'Fabrikam Admin',
    isAdmin: true,
  });
  store.addUser({ tenantId: FABRIKAM, id: f.diego.id, userPrincipalName: f.diego.upn, displayName: 'Diego Siciliani' });
  const m = SEED.consumers.megan;
  store.addUser({ tenantId: CONSUMERS, id: m.id, userPrincipalName: m.upn, displayName: 'Megan Personal' });

  const demo = SEED.demoApp;
  store.addApp({
    clientId: demo.clientId,
    displayName: 'Authpipe Demo',
    homeTenantId: CONTOSO,
    signInAudience: 'AzureADandPersonalMicrosoftAccount',
    redirectUris: [...demo.redirectUris],
    delegatedPermissions: DEMO_DELEGATED,
    applicationPermissions: DEMO_ROLES,
    // Directory roles in tokens let the vault refuse a non-administrator before admin consent.
    groupMembershipClaims: 'DirectoryRole',
  });
  store.addSecret(demo.clientId, {
    id: demo.secretId,
    value: demo.secretValue,
    expiresAt: new Date(now.getTime() + SECRET_LIFETIME_MS),
  });
  if (options.demoAppCertificatePem)
    store.addCertificate(demo.clientId, options.demoAppCertificatePem, demo.certificateId);
  store.grantAdminConsent({
    tenantId: CONTOSO,
    clientId: demo.clientId,
    roles: DEMO_ROLES,
    scopes: [],
    grantedBy: c.admin.id,
  });

  const fa = SEED.fabrikamApp;
  store.addApp({
    clientId: fa.clientId,
    displayName: 'Fabrikam Internal',
    homeTenantId: FABRIKAM,
    signInAudience: 'AzureADMyOrg',
    redirectUris: [...fa.redirectUris],
    delegatedPermissions: DEMO_DELEGATED,
    applicationPermissions: ['Files.Read.All'],
  });
  store.addSecret(fa.clientId, {
    id: fa.secretId,
    value: fa.secretValue,
    expiresAt: new Date(now.getTime() + SECRET_LIFETIME_MS),
  });
  store.grantAdminConsent({
    tenantId: FABRIKAM,
    clientId: fa.clientId,
    roles: ['Files.Read.All'],
    scopes: [],
    grantedBy: f.admin.id,
  });

  seedNationalClouds(store);
  seedMarketingSite(store, now);
}

/**
 * One tenant per national cloud with an admin and a user; the demo app (registered in Contoso, so
 * foreign there) is admin-consented for its app roles, so client credentials work in each.
 */
function seedNationalClouds(store: InMemoryDirectoryStore): void {
  const clouds = [
    { t: SEED.usGov, name: 'Contoso Government', member: SEED.usGov.grace, memberName: 'Grace Taylor' },
    { t: SEED.china, name: 'Contoso China', member: SEED.china.li, memberName: 'Li Wei' },
  ];
  for (const { t, name, member, memberName } of clouds) {
    store.addTenant({
      id: t.tenantId,
      displayName: name,
      domains: [...t.domains],
      cloud: t.cloud,
      kind: 'organization',
    });
    store.addUser({
      tenantId: t.tenantId,
      id: t.admin.id,
      userPrincipalName: t.admin.upn,
      displayName: `${name} Admin`,
      isAdmin: true,
    });
    store.addUser({ tenantId: t.tenantId, id: member.id, userPrincipalName: member.upn, displayName: memberName });
    store.grantAdminConsent({
      tenantId: t.tenantId,
      clientId: SEED.demoApp.clientId,
      roles: DEMO_ROLES,
      scopes: [],
      grantedBy: t.admin.id,
    });
  }
}

function seedMarketingSite(store: InMemoryDirectoryStore, now: Date): void {
  const s = SEED.contoso.marketingSite;
  store.addSite({
    id: s.id,
    tenantId: CONTOSO,
    hostname: s.hostname,
    serverRelativePath: s.serverRelativePath,
    displayName: 'Marketing',
    name: 'Marketing',
    webUrl: `https://${s.hostname}${s.serverRelativePath}`,
  });
  store.addDrive(
    {
      id: s.driveId,
      tenantId: CONTOSO,
      driveType: 'documentLibrary',
      name: 'Documents',
      ownerUserId: null,
      siteId: s.id,
      webUrl: `https://${s.hostname}${s.serverRelativePath}/Shared%20Documents`,
    },
    s.rootId,
  );
  const item = (id: string, parentId: string, name: string, content: string | null): DriveItem => ({
    id,
    driveId: s.driveId,
    parentId,
    name,
    kind: content === null ? 'folder' : 'file',
    mimeType: content === null ? null : 'text/plain',
    content: content === null ? null : Buffer.from(content, 'utf8'),
    createdAt: now,
    lastModifiedAt: now,
    version: 1,
  });
  store.putItem(CONTOSO, item(s.campaignsFolderId, s.rootId, 'Campaigns', null));
  store.putItem(
    CONTOSO,
    item(s.brandFileId, s.rootId, 'Brand guidelines.txt', 'Use the Contoso blue. Never stretch the logo.\n'),
  );
  store.putItem(
    CONTOSO,
    item(s.launchFileId, s.campaignsFolderId, 'Spring launch.txt', 'Launch on 1 April. Budget: 40k.\n'),
  );
}
