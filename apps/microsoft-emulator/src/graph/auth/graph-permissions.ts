// Which Graph permissions let a token do what. Delegated tokens carry `scp`, app-only tokens
// carry `roles`; the tables follow the "Permissions" section of each API page, e.g.
// https://learn.microsoft.com/graph/api/driveitem-get-content (read),
// https://learn.microsoft.com/graph/api/driveitem-post-children (write),
// https://learn.microsoft.com/graph/api/site-get, https://learn.microsoft.com/graph/api/user-get.
// Files.Read / Files.ReadWrite (without .All) reach only the signed-in user's own files:
// https://learn.microsoft.com/graph/permissions-reference#filesread
import type { CloudName, Drive, VerifiedAccessToken } from '../../directory/directory.types';
import { GraphError } from '../graph-error';

/** Who is calling Graph, as the verified token says. */
export interface GraphCaller {
  tenantId: string;
  cloud: CloudName;
  flow: 'delegated' | 'application';
  /** Object id of the signed-in user; null for app-only tokens. */
  userId: string | null;
  /** The app the token was issued to (`appid`). */
  clientId?: string;
  /** Granted permissions, lower-cased: Entra compares permission names case-insensitively. */
  permissions: ReadonlySet<string>;
}

/** Builds the caller from a verified token: `scp` makes it delegated, otherwise app-only. */
export function callerFromToken(token: VerifiedAccessToken): GraphCaller {
  const delegated = token.scp !== null;
  const granted = (delegated ? token.scp : token.roles) ?? [];
  return {
    tenantId: token.tid,
    cloud: token.cloud,
    flow: delegated ? 'delegated' : 'application',
    userId: delegated ? token.oid : null,
    clientId: token.appid,
    permissions: new Set(granted.map((p) => p.toLowerCase())),
  };
}

const SITES_WRITE = ['Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'];
const SITES_READ = ['Sites.Read.All', ...SITES_WRITE];
const FILES_WRITE_ANY = ['Files.ReadWrite.All', ...SITES_WRITE];
const FILES_READ_ANY = ['Files.Read.All', ...FILES_WRITE_ANY, 'Sites.Read.All'];

/** Access to files, by whether the drive is the caller's own. */
const FILES = {
  delegated: {
    read: { own: ['Files.Read', 'Files.ReadWrite', ...FILES_READ_ANY], any: FILES_READ_ANY },
    write: { own: ['Files.ReadWrite', ...FILES_WRITE_ANY], any: FILES_WRITE_ANY },
  },
  application: {
    read: { own: FILES_READ_ANY, any: FILES_READ_ANY },
    write: { own: FILES_WRITE_ANY, any: FILES_WRITE_ANY },
  },
} as const;

const DIRECTORY_READ_ANY = [
  'User.ReadBasic.All',
  'User.Read.All',
  'User.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const USERS = {
  delegated: { self: ['User.Read', 'User.ReadWrite', ...DIRECTORY_READ_ANY], other: DIRECTORY_READ_ANY },
  application: {
    self: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    other: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
} as const;

function holdsAny(caller: GraphCaller, accepted: readonly string[]): boolean {
  return accepted.some((p) => caller.permissions.has(p.toLowerCase()));
}

export type FileAccess = 'read' | 'write';

/**
 * Before any lookup: a token with no permission that could reach any drive for `access` is
 * refused outright, so a token without file permissions learns nothing about which ids exist.
 */
export function assertMayUseFiles(caller: GraphCaller, access: FileAccess): void {
  if (!holdsAny(caller, FILES[caller.flow][access].own)) throw GraphError.accessDenied();
}

/** After the drive is known: own-drive-only scopes stop at the caller's OneDrive. */
export function assertMayUseDrive(caller: GraphCaller, access: FileAccess, drive: Drive): void {
  assertMayUseFiles(caller, access);
  if (caller.flow === 'application') return;
  const own = drive.ownerUserId !== null && drive.ownerUserId === caller.userId;
  if (own) return;
  // Another user's OneDrive is private to them; the emulator has no sharing, so a delegated
  // caller never reaches it, whatever the scopes.
  if (drive.ownerUserId !== null) throw GraphError.accessDenied();
  if (!holdsAny(caller, FILES[caller.flow][access].any)) throw GraphError.accessDenied();
}

/** Reading site metadata needs a Sites.* permission, delegated or app-only alike. */
export function assertMayReadSites(caller: GraphCaller): void {
  if (!holdsAny(caller, SITES_READ)) throw GraphError.accessDenied();
}

/** Reading a user object: User.Read covers only the signed-in user. */
export function assertMayReadUser(caller: GraphCaller, userId: string): void {
  const self = caller.flow === 'delegated' && caller.userId === userId;
  const accepted = USERS[caller.flow][self ? 'self' : 'other'];
  if (!holdsAny(caller, accepted)) throw GraphError.directoryDenied();
}

/** /me names the signed-in user, which an app-only token does not have. */
export function signedInUserOf(caller: GraphCaller): string {
  if (caller.userId === null) {
    throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
  }
  return caller.userId;
}
