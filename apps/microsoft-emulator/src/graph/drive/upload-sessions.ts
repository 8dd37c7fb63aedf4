// Upload sessions for large files: createUploadSession hands out an upload URL that is its own
// grant (no Authorization header), and the file arrives as byte ranges PUT in order.
// https://learn.microsoft.com/graph/api/driveitem-createuploadsession
import { randomBytes } from 'node:crypto';
import type { Drive } from '../../directory/directory.types';
import type { GraphCaller } from '../auth/graph-permissions';
import type { ConflictBehavior } from './item-names';
import type { ItemRef } from '../routing/graph-route';

/** How long an upload session stays usable, by the emulator clock (Graph names the time in its reply). */
export const UPLOAD_SESSION_LIFETIME_MS = 60 * 60 * 1000;
/** Graph's limit of one fragment: "less than 60 MiB". */
export const MAX_FRAGMENT_BYTES = 60 * 1024 * 1024;

/** One session: where the file goes, who asked, and the bytes received so far. */
export interface UploadSession {
  id: string;
  caller: GraphCaller;
  drive: Drive;
  ref: ItemRef;
  behavior: ConflictBehavior;
  /** Where the client reached Graph (the created item's download URL uses it). */
  origin: string;
  expiresAt: Date;
  chunks: Buffer[];
  received: number;
  /** The file's size, fixed by the first fragment's Content-Range. */
  total: number | null;
}

/** The open sessions of the emulator, by id (the id is the upload URL's secret). */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  open(session: Omit<UploadSession, 'id' | 'chunks' | 'received' | 'total'>): UploadSession {
    const created: UploadSession = {
      ...session,
      id: randomBytes(24).toString('base64url'),
      chunks: [],
      received: 0,
      total: null,
    };
    this.sessions.set(created.id, created);
    return created;
  }

  /** The session, unless it is unknown or expired at `now`. */
  find(id: string, now: Date): UploadSession | undefined {
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt.getTime() <= now.getTime()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  close(id: string): boolean {
    return this.sessions.delete(id);
  }

  clear(): void {
    this.sessions.clear();
  }
}

/** `/_api/v2.0/uploadSessions/{id}`: the path of an upload URL. */
export const UPLOAD_SESSION_PATH = '/_api/v2.0/uploadSessions/';

/** Whether a request URL is an upload URL (its body is read raw, like a Graph body). */
export function isUploadSessionUrl(url: string): boolean {
  return url.startsWith(UPLOAD_SESSION_PATH);
}
