import { ADMIN_ROUTES, buildOpenApiDocument, ROUTE_TAGS, ROUTES, type OpenApiDocument } from '@authpipe/contract';

const DESCRIPTION = `Multi-tenant credential vault for SaaS backends: your customers connect their Microsoft OneDrive and
SharePoint, Authpipe runs the OAuth flows, keeps every token encrypted under a key of that customer alone,
refreshes tokens before they expire and hands your backend a valid token in one call
(\`GET /v1/credentials/{provider}\`).

Authenticate \`/v1\` calls with \`Authorization: Bearer <project secret key>\`. Request bodies are JSON
(\`Content-Type: application/json\`); unknown fields and query parameters are refused.

The browser side of the flows (not listed below, HTML): \`GET /connect/{provider}?session=…\` opens the
install or connect flow of a connect session; Microsoft sends the browser back to \`GET /oauth/callback\`
and \`GET /oauth/admin-consent/callback\`. Prometheus metrics are at \`GET /metrics\`.

The schemas, the error catalog and the event catalog are published as \`@authpipe/contract\`.`;

let document: OpenApiDocument | undefined;

/** The OpenAPI document /docs serves, built once from the contract's routes. */
export function apiDocument(): OpenApiDocument {
  document ??= buildOpenApiDocument({
    title: 'Authpipe',
    version: '1',
    description: DESCRIPTION,
    routes: [...Object.values(ROUTES), ...Object.values(ADMIN_ROUTES)],
    tags: ROUTE_TAGS,
  });
  return document;
}
