// The few Microsoft Graph v1.0 calls the flows and health probes need, over the library's
// HttpClient; every response is parsed with a schema before use.
// https://learn.microsoft.com/en-us/graph/api/overview?view=graph-rest-1.0
import { z } from 'zod';
import { resolveCloud, type CloudConfig } from './clouds';
import { parseJsonBody, parseRetryAfter, type HttpClient } from './http';

export const graphUserSchema = z.looseObject({
  id: z.string().min(1),
  userPrincipalName: z.string().min(1),
  displayName: z.string().nullable().optional(),
  mail: z.string().nullable().optional(),
});
export type GraphUser = z.infer<typeof graphUserSchema>;

export const graphDriveSchema = z.looseObject({
  id: z.string().min(1),
  driveType: z.string(),
  name: z.string().optional(),
  webUrl: z.string().optional(),
  owner: z
    .looseObject({ user: z.looseObject({ id: z.string().optional(), displayName: z.string().optional() }).optional() })
    .optional(),
});
export type GraphDrive = z.infer<typeof graphDriveSchema>;

export const graphSiteSchema = z.looseObject({
  id: z.string().min(1),
  webUrl: z.string(),
  displayName: z.string().optional(),
  name: z.string().optional(),
});
export type GraphSite = z.infer<typeof graphSiteSchema>;

const graphErrorBodySchema = z.object({
  error: z.looseObject({
    code: z.string(),
    innerError: z.looseObject({ 'request-id': z.string().optional() }).optional(),
  }),
});

/**
 * Graph answered with an error. Carries Graph's error code and HTTP status; never the token, and
 * not Graph's message (it can quote user or item names).
 */
export class GraphError extends Error {
  readonly code = 'graph_error';

  constructor(
    readonly operation: string,
    readonly status: number,
    readonly graphCode: string,
    readonly retryAfterSeconds?: number,
    readonly requestId?: string,
  ) {
    super(`Microsoft Graph ${operation} failed with HTTP ${status} (${graphCode})`);
    this.name = 'GraphError';
  }
}

/** Which Graph and which token a call uses. */
export interface GraphAuth {
  cloud: CloudConfig;
  /** A delegated or app-only access token for that cloud's Graph. */
  accessToken: string;
}

/** Typed Graph calls; one instance can serve every cloud and token. */
export class GraphClient {
  private readonly now: () => Date;

  constructor(
    private readonly http: HttpClient,
    options: { now?: () => Date } = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** GET /me: the signed-in user (delegated tokens only). */
  getMe(auth: GraphAuth): Promise<GraphUser> {
    return this.get(auth, 'getMe', '/me', graphUserSchema);
  }

  /** GET /users/{id or UPN}/drive: a user's OneDrive (app-only tokens need Files.Read.All). */
  getUserDrive(auth: GraphAuth, userIdOrUpn: string): Promise<GraphDrive> {
    return this.get(
      auth,
      'getUserDrive',
      `/users/${encodeURIComponent(z.string().min(1).parse(userIdOrUpn))}/drive`,
      graphDriveSchema,
    );
  }

  /**
   * A SharePoint site from its URL (`https://contoso.sharepoint.com/sites/Marketing`):
   * GET /sites/{hostname}:/{server-relative path}, or /sites/{hostname} for the root site.
   */
  getSiteByUrl(auth: GraphAuth, siteUrl: string): Promise<GraphSite> {
    const url = new URL(z.url({ protocol: /^https$/ }).parse(siteUrl));
    const segments = url.pathname
      .split('/')
      .filter(Boolean)
      .map((s) => encodeURIComponent(decodeURIComponent(s)));
    const path = segments.length === 0 ? `/sites/${url.hostname}` : `/sites/${url.hostname}:/${segments.join('/')}`;
    return this.get(auth, 'getSiteByUrl', path, graphSiteSchema);
  }

  /** GET /sites/{site-id}/drive: the site's default document library. */
  getSiteDrive(auth: GraphAuth, siteId: string): Promise<GraphDrive> {
    return this.get(
      auth,
      'getSiteDrive',
      `/sites/${encodeURIComponent(z.string().min(1).parse(siteId))}/drive`,
      graphDriveSchema,
    );
  }

  /** GET /drives/{drive-id}. */
  getDrive(auth: GraphAuth, driveId: string): Promise<GraphDrive> {
    return this.get(
      auth,
      'getDrive',
      `/drives/${encodeURIComponent(z.string().min(1).parse(driveId))}`,
      graphDriveSchema,
    );
  }

  private async get<T>(auth: GraphAuth, operation: string, path: string, schema: z.ZodType<T>): Promise<T> {
    const response = await this.http.request({
      method: 'GET',
      url: `${resolveCloud(auth.cloud).graphApiUrl}${path}`,
      headers: { authorization: `Bearer ${auth.accessToken}`, accept: 'application/json' },
    });
    if (response.status >= 200 && response.status < 300) {
      const body = parseJsonBody(response.body, schema);
      if (body === null) throw new GraphError(operation, response.status, 'unexpectedResponse');
      return body;
    }
    const error = parseJsonBody(response.body, graphErrorBodySchema);
    throw new GraphError(
      operation,
      response.status,
      error?.error.code ?? `http_${response.status}`,
      parseRetryAfter(response.headers['retry-after'], this.now()),
      error?.error.innerError?.['request-id'] ?? response.headers['request-id'],
    );
  }
}
