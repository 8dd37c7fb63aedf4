// Naming rules of OneDrive for Business items and how a name conflict is resolved.
// https://support.microsoft.com/office/restrictions-and-limitations-in-onedrive-and-sharepoint-64883a5d-228e-48f5-b3d2-eb39e07630fa
// https://learn.microsoft.com/graph/api/resources/driveitem#instance-attributes (conflictBehavior)
import { extname } from 'node:path';
import { GraphError } from '../graph-error';

/** `@microsoft.graph.conflictBehavior`: what a write does when the name is taken. */
export type ConflictBehavior = 'fail' | 'replace' | 'rename';

export const CONFLICT_BEHAVIORS: readonly ConflictBehavior[] = ['fail', 'replace', 'rename'];

const INVALID_CHARACTERS = /["*:<>?/\\|]/;
const RESERVED_NAMES = new Set([
  '.lock',
  'con',
  'prn',
  'aux',
  'nul',
  'desktop.ini',
  ...[...'123456789'].flatMap((d) => [`com${d}`, `lpt${d}`]),
]);
const MAX_NAME_LENGTH = 255;

/** Refuses names OneDrive refuses, with Graph's 400 invalidRequest. */
export function assertValidItemName(name: string): void {
  const bad =
    name.trim() === '' ||
    name !== name.trim() ||
    name.length > MAX_NAME_LENGTH ||
    INVALID_CHARACTERS.test(name) ||
    name.startsWith('~$') ||
    RESERVED_NAMES.has(name.toLowerCase()) ||
    name.includes('_vti_');
  if (bad) throw GraphError.invalidRequest('The provided name is not valid for a drive item.');
}

/**
 * The name a `rename` conflict gives the new item: OneDrive appends " 1", " 2", ... before the
 * extension of a file ("plan.txt" → "plan 1.txt") and after a folder's name.
 * `taken` holds the sibling names, lower-cased: names are unique case-insensitively.
 */
export function freeNameFor(name: string, kind: 'file' | 'folder', taken: ReadonlySet<string>): string {
  if (!taken.has(name.toLowerCase())) return name;
  const extension = kind === 'file' ? extname(name) : '';
  const stem = extension === '' ? name : name.slice(0, -extension.length);
  for (let n = 1; ; n++) {
    const candidate = `${stem} ${n}${extension}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

/** OneDrive derives `file.mimeType` from the extension, not from the upload's Content-Type. */
export function mimeTypeFor(name: string): string {
  return MIME_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** Whether a file's bytes are text that search should look into. */
export function isSearchableText(mimeType: string | null): boolean {
  return (
    mimeType !== null &&
    (mimeType.startsWith('text/') || mimeType === 'application/json' || mimeType === 'application/xml')
  );
}
