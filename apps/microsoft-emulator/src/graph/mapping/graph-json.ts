// Graph JSON for the emulator's directory objects. Built from allow-lists so internal fields
// (item content, consents, secrets) can never leak into a response.
// Shapes: https://learn.microsoft.com/graph/api/resources/driveitem,
// https://learn.microsoft.com/graph/api/resources/drive, https://learn.microsoft.com/graph/api/resources/site,
// https://learn.microsoft.com/graph/api/resources/user
import { CLOUDS } from '../../directory/clouds';
import type { CloudName, DirectoryUser, Drive, DriveItem, Site } from '../../directory/directory.types';

/** A JSON object as sent on the wire. */
export type GraphJson = Record<string, unknown>;

/** `https://graph.microsoft.com/v1.0` of a cloud: Graph names its own host in `@odata.context`. */
export function graphBaseUrl(cloud: CloudName): string {
  return `https://${CLOUDS[cloud].graphHost}/v1.0`;
}

/** The `@odata.context` URL for a metadata fragment such as `users/$entity`. */
export function odataContext(cloud: CloudName, fragment: string): string {
  return `${graphBaseUrl(cloud)}/$metadata#${fragment}`;
}

/** Quota the emulator reports for every drive: 1 TiB, as a default business OneDrive has. */
const QUOTA_TOTAL = 1024 ** 4;

export function userJson(user: DirectoryUser): GraphJson {
  return {
    businessPhones: [],
    displayName: user.displayName,
    givenName: null,
    jobTitle: null,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
  };
}

/** What a drive's JSON needs beyond the drive: its owner's name, its root and bytes used. */
export interface DriveFacts {
  owner: DirectoryUser | null;
  root: DriveItem;
  usedBytes: number;
}

export function driveJson(drive: Drive, facts: DriveFacts): GraphJson {
  // A document library belongs to its site; Graph names the SharePoint system account there.
  const owner = facts.owner
    ? {
        user: {
          email: facts.owner.mail ?? facts.owner.userPrincipalName,
          id: facts.owner.id,
          displayName: facts.owner.displayName,
        },
      }
    : { user: { displayName: 'System Account' } };
  return {
    createdDateTime: facts.root.createdAt.toISOString(),
    description: '',
    id: drive.id,
    lastModifiedDateTime: facts.root.lastModifiedAt.toISOString(),
    name: drive.name,
    webUrl: drive.webUrl,
    driveType: drive.driveType,
    owner,
    quota: {
      deleted: 0,
      remaining: QUOTA_TOTAL - facts.usedBytes,
      state: 'normal',
      total: QUOTA_TOTAL,
      used: facts.usedBytes,
    },
  };
}

export function siteJson(site: Site): GraphJson {
  return {
    description: '',
    id: site.id,
    name: site.name,
    webUrl: site.webUrl,
    displayName: site.displayName,
    ...(site.serverRelativePath === '/' ? { root: {} } : {}),
    siteCollection: { hostname: site.hostname },
  };
}

/** Everything about an item's place and contents that the item record alone does not hold. */
export interface ItemFacts {
  drive: Drive;
  /** Names of the folders from the root down to the item's parent; null for the root itself. */
  parentPath: string[] | null;
  /** Bytes of a file, or of everything below a folder. */
  size: number;
  childCount: number;
  /** Pre-authenticated download URL, for files. */
  downloadUrl: string | null;
  quickXorHash: string | null;
}

/** Graph's eTag names the item and its version; cTag does the same for content. */
export function eTagOf(item: DriveItem): string {
  return `"{${item.id}},${item.version}"`;
}

export function cTagOf(item: DriveItem): string {
  return `"c:{${item.id}},${item.version}"`;
}

function encodePath(names: string[]): string {
  return names.map((n) => encodeURIComponent(n)).join('/');
}

export function driveItemJson(item: DriveItem, facts: ItemFacts): GraphJson {
  const { drive, parentPath } = facts;
  const isRoot = parentPath === null;
  const itemPath = isRoot ? [] : [...parentPath, item.name];
  const parentReference: GraphJson = { driveType: drive.driveType, driveId: drive.id };
  if (!isRoot && item.parentId !== null) {
    parentReference.id = item.parentId;
    // itemReference.path is percent-encoded, in the `/drives/{id}/root:` syntax a client can
    // request again. https://learn.microsoft.com/graph/api/resources/itemreference
    parentReference.path = `/drives/${drive.id}/root:${parentPath.map((n) => `/${encodeURIComponent(n)}`).join('')}`;
  }
  const json: GraphJson = {
    ...(facts.downloadUrl !== null ? { '@microsoft.graph.downloadUrl': facts.downloadUrl } : {}),
    createdDateTime: item.createdAt.toISOString(),
    eTag: eTagOf(item),
    id: item.id,
    lastModifiedDateTime: item.lastModifiedAt.toISOString(),
    name: item.name,
    webUrl: isRoot ? drive.webUrl : `${drive.webUrl}/${encodePath(itemPath)}`,
    cTag: cTagOf(item),
    size: facts.size,
    parentReference,
    fileSystemInfo: {
      createdDateTime: item.createdAt.toISOString(),
      lastModifiedDateTime: item.lastModifiedAt.toISOString(),
    },
  };
  if (item.kind === 'folder') {
    json.folder = { childCount: facts.childCount };
  } else {
    json.file = {
      mimeType: item.mimeType ?? 'application/octet-stream',
      ...(facts.quickXorHash !== null ? { hashes: { quickXorHash: facts.quickXorHash } } : {}),
    };
  }
  if (isRoot) json.root = {};
  return json;
}

/**
 * Keeps only the properties `$select` names. `@odata.*` control information always stays; other
 * annotations such as `@microsoft.graph.downloadUrl` only when selected by name, as Graph does.
 */
export function applySelect(json: GraphJson, select: readonly string[] | null): GraphJson {
  if (select === null) return json;
  const wanted = new Set(select.map((s) => s.toLowerCase()));
  return Object.fromEntries(
    Object.entries(json).filter(([key]) => key.startsWith('@odata.') || wanted.has(key.toLowerCase())),
  );
}
