// Graph answers GET .../content with 302 Found to a pre-authenticated URL (the item's
// `@microsoft.graph.downloadUrl`): it needs no Authorization header and is valid only for a
// short period (a few minutes). https://learn.microsoft.com/graph/api/driveitem-get-content
// SharePoint serves it from `/_layouts/15/download.aspx?UniqueId=...&tempauth=...`; the emulator
// uses the same shape on its own origin, with an HMAC-signed `tempauth` bound to one item.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { EmulatorClock } from '../../directory/contracts';

/** How long a download URL works. */
export const DOWNLOAD_URL_LIFETIME_MS = 5 * 60 * 1000;

/** Path the download URLs point at. */
export const DOWNLOAD_PATH = '/_layouts/15/download.aspx';

/** The item a valid download URL grants. */
export interface DownloadGrant {
  tenantId: string;
  driveId: string;
  itemId: string;
}

const grantClaims = z.object({ tid: z.string(), did: z.string(), iid: z.string(), exp: z.number() });

/** Why a download URL was refused; never echoes the URL's token. */
export type DownloadRefusal = 'malformed' | 'expired' | 'mismatch';

/** Issues and checks pre-authenticated download URLs. The key lives only in this process. */
export class DownloadLinks {
  constructor(
    private readonly clock: EmulatorClock,
    private readonly key: Buffer = randomBytes(32),
  ) {}

  /** A download URL on `origin` (scheme and host the client reached the emulator on). */
  issue(origin: string, grant: DownloadGrant): string {
    const exp = this.clock.now().getTime() + DOWNLOAD_URL_LIFETIME_MS;
    const payload = Buffer.from(
      JSON.stringify({ tid: grant.tenantId, did: grant.driveId, iid: grant.itemId, exp }),
    ).toString('base64url');
    const tempauth = `${payload}.${this.sign(payload)}`;
    const query = new URLSearchParams({ UniqueId: grant.itemId, tempauth, ApiVersion: '2.0' });
    return `${origin}${DOWNLOAD_PATH}?${query.toString()}`;
  }

  /** Checks a URL's `UniqueId` and `tempauth`; the signature is compared in constant time. */
  verify(uniqueId: string | undefined, tempauth: string | undefined): DownloadGrant | DownloadRefusal {
    if (!uniqueId || !tempauth) return 'malformed';
    const [payload, signature, ...rest] = tempauth.split('.');
    if (!payload || !signature || rest.length > 0) return 'malformed';
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'malformed';
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return 'malformed';
    }
    const claims = grantClaims.safeParse(decoded);
    if (!claims.success) return 'malformed';
    if (claims.data.iid !== uniqueId) return 'mismatch';
    if (claims.data.exp <= this.clock.now().getTime()) return 'expired';
    return { tenantId: claims.data.tid, driveId: claims.data.did, itemId: claims.data.iid };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
