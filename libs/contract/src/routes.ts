import { z } from 'zod';
import {
  apiKeyParamsSchema,
  apiKeySchema,
  createApiKeySchema,
  createdApiKeySchema,
  createProjectSchema,
  keyJobSchema,
  projectParamsSchema,
  projectSchema,
  projectTenantParamsSchema,
  updateProjectSchema,
} from './api/admin';
import { appCheckSchema, appSchema, createAppSchema, listAppsQuerySchema, updateAppSchema } from './api/apps';
import { pageOf, pageQuerySchema, recordIdParamsSchema } from './api/common';
import { connectSessionCreatedSchema, createConnectSessionSchema } from './api/connect-sessions';
import {
  connectionSchema,
  getCredentialParamsSchema,
  getCredentialQuerySchema,
  installationSchema,
  listCredentialsQuerySchema,
  servedCredentialSchema,
} from './api/credentials';
import { eventSchema, listEventsQuerySchema } from './api/events';
import { issueSchema, listIssuesQuerySchema } from './api/issues';
import { livenessSchema, readinessSchema } from './api/operations';
import { providerSchema } from './api/providers';
import { CREDENTIAL_REFRESHED_HEADER, proxyHeadersSchema, proxyParamsSchema } from './api/proxy';
import { tenantParamsSchema, tenantSchema } from './api/tenants';
import {
  createEndpointSchema,
  deliveryParamsSchema,
  deliverySchema,
  endpointParamsSchema,
  listDeliveriesQuerySchema,
  replayedSchema,
  replayRangeSchema,
  rotateSecretSchema,
  updateEndpointSchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
} from './api/webhooks';
import { CREDENTIAL_ERROR_CODES, type ErrorCode } from './errors/catalog';
import { defineRoute, type HttpMethod } from './route';

const APP_INPUT_ERRORS = [
  'provider_not_found',
  'invalid_scope',
  'scopes_missing_offline_access',
  'scopes_missing_user_read',
  'invalid_redirect_uri',
  'invalid_certificate',
  'certificate_kdf_too_costly',
  'certificate_parse_timeout',
  'app_home_tenant_required',
  'custom_endpoint_not_allowed',
  'rate_limited',
] as const satisfies readonly ErrorCode[];

/** Decrypting or encrypting a tenant's secrets can meet these. */
const KEY_ERRORS = ['data_key_unavailable', 'master_key_unavailable', 'crypto_integrity'] as const;

const ok = <S extends z.ZodType>(schema: S, description: string) => ({ status: 200, description, schema }) as const;
const noContent = { status: 204, description: 'Done; no body.' } as const;
const accepted = { status: 202, description: 'Queued again.', schema: replayedSchema } as const;

/**
 * ANY /v1/proxy/{provider}/{path}: one route per method. The vault serves it as a raw route
 * (bodies stream to Graph unread), so it takes any Content-Type and no body limit.
 */
function proxyRoute<const M extends HttpMethod, const Id extends string>(method: M, operationId: Id) {
  return defineRoute({
    method,
    path: '/v1/proxy/{provider}/{path}',
    wildcard: 'path',
    operationId,
    tag: 'proxy',
    summary: `${method} a Microsoft Graph path with the tenant's (or user's) credential`,
    description:
      "Forwards the request to Microsoft Graph (the v1.0 API of the credential's cloud) with a valid access token " +
      'of the installation named by `Authpipe-Tenant-Id`, or of the connection of `Authpipe-User-Id`; the vault ' +
      'refreshes it as getCredential does, and once more if Graph answers 401. ' +
      (method === 'GET' || method === 'DELETE'
        ? ''
        : 'The body is streamed to Graph as sent, any Content-Type, without a size limit (a body pausing more ' +
          'than 60 s answers `request_timeout`). ') +
      "Graph's answer comes back as Graph sent it, status, headers and body, marked `Authpipe-Upstream: " +
      "microsoft-graph`; the vault's own refusals carry no such header and answer the error model. " +
      '`provider_unavailable` answers 503 while Microsoft cannot refresh an expired token, 502 when Graph itself ' +
      'cannot be reached.',
    auth: 'apiKey',
    params: proxyParamsSchema,
    headers: proxyHeadersSchema,
    response: {
      status: 200,
      description: "Graph's answer, passed through (its status may be any other; its body any type).",
      schema: z.unknown().describe("Graph's body."),
      headers: {
        'Authpipe-Upstream': '`microsoft-graph`: the answer comes from Graph, not from the vault.',
        [CREDENTIAL_REFRESHED_HEADER]:
          'The credential id, when Graph answered 401 and the vault refreshed the token to a new one (the answer is ' +
          "then the retry's, or the 401 when the request could not be sent again): a cached copy of that credential " +
          'from getCredential is outdated; drop it.',
      },
    },
    errors: ['proxy_target_not_allowed', 'request_timeout', ...CREDENTIAL_ERROR_CODES, ...KEY_ERRORS],
  });
}

/** The public API (`/v1`, with a project secret key) and the operator probes. */
export const ROUTES = {
  listProviders: defineRoute({
    method: 'GET',
    path: '/v1/providers',
    operationId: 'listProviders',
    tag: 'providers',
    summary: 'Providers with their scopes and clouds',
    description: 'What each scope allows and whether it needs admin consent; the clouds an app may use.',
    auth: 'apiKey',
    response: ok(z.object({ data: z.array(providerSchema) }), 'The providers.'),
    errors: [],
  }),
  createApp: defineRoute({
    method: 'POST',
    path: '/v1/apps',
    operationId: 'createApp',
    tag: 'apps',
    summary: 'Add a provider app',
    description:
      'Your Entra app registration: client id, secret or certificate, cloud, scopes, redirect URIs and the origins ' +
      'allowed to open popups. The credential is write-only: no answer ever returns it. Unknown fields are refused.',
    auth: 'apiKey',
    body: createAppSchema,
    response: { status: 201, description: 'The app (never its secret).', schema: appSchema },
    errors: APP_INPUT_ERRORS,
  }),
  listApps: defineRoute({
    method: 'GET',
    path: '/v1/apps',
    operationId: 'listApps',
    tag: 'apps',
    summary: "The project's apps",
    auth: 'apiKey',
    query: listAppsQuerySchema,
    response: ok(pageOf(appSchema), 'A page of apps.'),
    errors: [],
  }),
  getApp: defineRoute({
    method: 'GET',
    path: '/v1/apps/{id}',
    operationId: 'getApp',
    tag: 'apps',
    summary: 'One app',
    auth: 'apiKey',
    params: recordIdParamsSchema,
    response: ok(appSchema, 'The app.'),
    errors: ['app_not_found'],
  }),
  updateApp: defineRoute({
    method: 'PATCH',
    path: '/v1/apps/{id}',
    operationId: 'updateApp',
    tag: 'apps',
    summary: 'Change an app',
    description: 'Any field but the provider. A new credential, client id or cloud resets the status to unchecked.',
    auth: 'apiKey',
    params: recordIdParamsSchema,
    body: updateAppSchema,
    response: ok(appSchema, 'The changed app.'),
    errors: ['app_not_found', ...APP_INPUT_ERRORS],
  }),
  deleteApp: defineRoute({
    method: 'DELETE',
    path: '/v1/apps/{id}',
    operationId: 'deleteApp',
    tag: 'apps',
    summary: 'Delete an app no installation or connection uses',
    auth: 'apiKey',
    params: recordIdParamsSchema,
    response: noContent,
    errors: ['app_not_found', 'app_in_use'],
  }),
  checkApp: defineRoute({
    method: 'POST',
    path: '/v1/apps/{id}/check',
    operationId: 'checkApp',
    tag: 'apps',
    summary: 'Does the app credential get a token right now?',
    description:
      "Asks Microsoft for an app-only token with the app's secret or certificate and stores the result as the app's " +
      'status. A refusal is an answer (ok false, with the AADSTS code and what to do), not an error.',
    auth: 'apiKey',
    params: recordIdParamsSchema,
    response: ok(appCheckSchema, 'The result of the check.'),
    errors: ['app_not_found', 'custom_endpoint_not_allowed'],
  }),
  createConnectSession: defineRoute({
    method: 'POST',
    path: '/v1/connect-sessions',
    operationId: 'createConnectSession',
    tag: 'connect',
    summary: 'Mint a connect session for one tenant (and user)',
    description:
      'A short-lived, single-use token and URL your frontend opens (popup or redirect) to install the app into the ' +
      "tenant's directory (`credentialFor: installation`) or to connect one user (`credentialFor: user`).",
    auth: 'apiKey',
    body: createConnectSessionSchema,
    response: { status: 201, description: 'The session: open its url.', schema: connectSessionCreatedSchema },
    errors: [
      'provider_not_found',
      'app_not_found',
      'app_misconfigured',
      'scopes_missing_offline_access',
      'scopes_missing_user_read',
      'no_allowed_origins',
      'return_to_not_allowed',
      ...KEY_ERRORS,
    ],
  }),
  getCredential: defineRoute({
    method: 'GET',
    path: '/v1/credentials/{provider}',
    operationId: 'getCredential',
    tag: 'credentials',
    summary: 'A valid access token of an installation or a user',
    description:
      "The tenant's installation credential (app-only) or one user's connection credential, refreshed when it is " +
      'near expiry. Never an expired token with 200. A blocked credential answers 409 with a remediation and, in ' +
      '`details.action`, the link that fixes it; while Microsoft is down and the token has expired, 503 ' +
      '`provider_unavailable` with Retry-After. Answers carry `Cache-Control: no-store`.',
    auth: 'apiKey',
    params: getCredentialParamsSchema,
    query: getCredentialQuerySchema,
    response: {
      ...ok(servedCredentialSchema, 'The credential.'),
      headers: { 'Cache-Control': 'no-store' },
    },
    errors: [
      'credential_not_found',
      'needs_reauth',
      'revoked',
      'access_lost',
      'app_misconfigured',
      'provider_unavailable',
      ...KEY_ERRORS,
    ],
  }),
  listInstallations: defineRoute({
    method: 'GET',
    path: '/v1/installations',
    operationId: 'listInstallations',
    tag: 'installations',
    summary: 'Installations, by tenant, provider and status',
    auth: 'apiKey',
    query: listCredentialsQuerySchema,
    response: ok(pageOf(installationSchema), 'A page of installations (never tokens).'),
    errors: [],
  }),
  getInstallation: defineRoute({
    method: 'GET',
    path: '/v1/installations/{id}',
    operationId: 'getInstallation',
    tag: 'installations',
    summary: 'One installation',
    auth: 'apiKey',
    params: recordIdParamsSchema,
    response: ok(installationSchema, 'The installation.'),
    errors: ['installation_not_found'],
  }),
  deleteInstallation: defineRoute({
    method: 'DELETE',
    path: '/v1/installations/{id}',
    operationId: 'deleteInstallation',
    tag: 'installations',
    summary: 'Delete an installation and its token',
    auth: 'apiKey',
    params: recordIdParamsSchema,
    response: noContent,
    errors: ['installation_not_found'],
  }),
  listConnections: defineRoute({
    method: 'GET',
    path: '/v1/connections',
    operationId: 'listConnections',
    tag: 'connections',
    summary: 'User connections, by tenant, provider and status',
    auth: 'apiKey',
    query: listCredentialsQuerySchema,
    response: ok(pageOf(connectionSchema), 'A page of connections (never tokens).'),
    errors: [],
  }),
  getConnection: defineRoute({
    method: 'GET',
    path: '/v1/connections/{id}',
    operationId: 'getConnection',
    tag: 'connections',
    summary: 'One connection',
    auth: 'apiKey',
    params: recordIdParamsSchema,
    response: ok(connectionSchema, 'The connection.'),
    errors: ['connection_not_found'],
  }),
  deleteConnection: defineRoute({
    method: 'DELETE',
    path: '/v1/connections/{id}',
    operationId: 'deleteConnection',
    tag: 'connections',
    summary: 'Delete a connection and its tokens',
    auth: 'apiKey',
    params: recordIdParamsSchema,
    response: noContent,
    errors: ['connection_not_found'],
  }),
  listTenants: defineRoute({
    method: 'GET',
    path: '/v1/tenants',
    operationId: 'listTenants',
    tag: 'tenants',
    summary: "The project's tenants with their data key versions",
    auth: 'apiKey',
    query: pageQuerySchema,
    response: ok(pageOf(tenantSchema), 'A page of tenants (never key material).'),
    errors: [],
  }),
  getTenant: defineRoute({
    method: 'GET',
    path: '/v1/tenants/{tenantId}',
    operationId: 'getTenant',
    tag: 'tenants',
    summary: 'One tenant, by the id the project gave it',
    auth: 'apiKey',
    params: tenantParamsSchema,
    response: ok(tenantSchema, 'The tenant.'),
    errors: ['tenant_not_found'],
  }),
  listEvents: defineRoute({
    method: 'GET',
    path: '/v1/events',
    operationId: 'listEvents',
    tag: 'events',
    summary: "The project's event log, oldest first",
    description:
      'Cursor-paginated in commit order, so a reader following nextCursor never skips an event that commits late. ' +
      'Payloads follow the event catalog of @authpipe/contract.',
    auth: 'apiKey',
    query: listEventsQuerySchema,
    response: ok(pageOf(eventSchema), 'A page of events.'),
    errors: [],
  }),
  createWebhookEndpoint: defineRoute({
    method: 'POST',
    path: '/v1/webhook-endpoints',
    operationId: 'createWebhookEndpoint',
    tag: 'webhooks',
    summary: 'Add an endpoint; answers its whsec_ signing secret, this once',
    description:
      "Events of the project are POSTed to the URL, signed per Standard Webhooks with the endpoint's secret. " +
      'The URL must be https and public unless the operator allows private networks.',
    auth: 'apiKey',
    body: createEndpointSchema,
    response: {
      status: 201,
      description: 'The endpoint with its signing secret (never shown again).',
      schema: webhookEndpointWithSecretSchema,
    },
    errors: ['webhook_url_not_allowed', ...KEY_ERRORS],
  }),
  listWebhookEndpoints: defineRoute({
    method: 'GET',
    path: '/v1/webhook-endpoints',
    operationId: 'listWebhookEndpoints',
    tag: 'webhooks',
    summary: "The project's endpoints (never their secrets)",
    auth: 'apiKey',
    query: pageQuerySchema,
    response: ok(pageOf(webhookEndpointSchema), 'A page of endpoints.'),
    errors: [],
  }),
  getWebhookEndpoint: defineRoute({
    method: 'GET',
    path: '/v1/webhook-endpoints/{id}',
    operationId: 'getWebhookEndpoint',
    tag: 'webhooks',
    summary: 'One endpoint',
    auth: 'apiKey',
    params: endpointParamsSchema,
    response: ok(webhookEndpointSchema, 'The endpoint (never its secrets).'),
    errors: ['webhook_endpoint_not_found'],
  }),
  updateWebhookEndpoint: defineRoute({
    method: 'PATCH',
    path: '/v1/webhook-endpoints/{id}',
    operationId: 'updateWebhookEndpoint',
    tag: 'webhooks',
    summary: 'Change the URL, description, event types, or disable',
    auth: 'apiKey',
    params: endpointParamsSchema,
    body: updateEndpointSchema,
    response: ok(webhookEndpointSchema, 'The changed endpoint.'),
    errors: ['webhook_endpoint_not_found', 'webhook_url_not_allowed'],
  }),
  deleteWebhookEndpoint: defineRoute({
    method: 'DELETE',
    path: '/v1/webhook-endpoints/{id}',
    operationId: 'deleteWebhookEndpoint',
    tag: 'webhooks',
    summary: 'Delete the endpoint, its secrets and its delivery log',
    auth: 'apiKey',
    params: endpointParamsSchema,
    response: noContent,
    errors: ['webhook_endpoint_not_found'],
  }),
  rotateWebhookSecret: defineRoute({
    method: 'POST',
    path: '/v1/webhook-endpoints/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    tag: 'webhooks',
    summary: 'A new signing secret (answered once); the old ones sign beside it for the overlap',
    auth: 'apiKey',
    params: endpointParamsSchema,
    body: rotateSecretSchema,
    response: ok(webhookEndpointWithSecretSchema, 'The endpoint with its new signing secret (never shown again).'),
    errors: ['webhook_endpoint_not_found', ...KEY_ERRORS],
  }),
  listWebhookDeliveries: defineRoute({
    method: 'GET',
    path: '/v1/webhook-endpoints/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    tag: 'webhooks',
    summary: 'The delivery log, oldest first, filtered by status or eventId',
    auth: 'apiKey',
    params: endpointParamsSchema,
    query: listDeliveriesQuerySchema,
    response: ok(pageOf(deliverySchema), 'A page of deliveries.'),
    errors: ['webhook_endpoint_not_found'],
  }),
  replayWebhookDelivery: defineRoute({
    method: 'POST',
    path: '/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/replay',
    operationId: 'replayWebhookDelivery',
    tag: 'webhooks',
    summary: 'Send one delivery again',
    auth: 'apiKey',
    params: deliveryParamsSchema,
    response: accepted,
    errors: ['webhook_endpoint_not_found', 'webhook_delivery_not_found'],
  }),
  replayWebhookDeliveries: defineRoute({
    method: 'POST',
    path: '/v1/webhook-endpoints/{id}/replay',
    operationId: 'replayWebhookDeliveries',
    tag: 'webhooks',
    summary: 'Send again every delivery created in [since, until)',
    auth: 'apiKey',
    params: endpointParamsSchema,
    body: replayRangeSchema,
    response: accepted,
    errors: ['webhook_endpoint_not_found'],
  }),
  listIssues: defineRoute({
    method: 'GET',
    path: '/v1/issues',
    operationId: 'listIssues',
    tag: 'issues',
    summary: 'Deduplicated issues of credentials and apps',
    description:
      'One issue per problem of a credential or app, open until it recovers; filtered by status, tenantId, kind ' +
      'and subjectId, cursor-paginated.',
    auth: 'apiKey',
    query: listIssuesQuerySchema,
    response: ok(pageOf(issueSchema), 'A page of issues.'),
    errors: [],
  }),
  proxyGet: proxyRoute('GET', 'proxyGet'),
  proxyPost: proxyRoute('POST', 'proxyPost'),
  proxyPut: proxyRoute('PUT', 'proxyPut'),
  proxyPatch: proxyRoute('PATCH', 'proxyPatch'),
  proxyDelete: proxyRoute('DELETE', 'proxyDelete'),
  healthz: defineRoute({
    method: 'GET',
    path: '/healthz',
    operationId: 'healthz',
    tag: 'operations',
    summary: 'Liveness',
    description: 'The process is up and serving HTTP; says nothing about its dependencies.',
    auth: 'none',
    response: ok(livenessSchema, 'Alive.'),
    errors: [],
  }),
  readyz: defineRoute({
    method: 'GET',
    path: '/readyz',
    operationId: 'readyz',
    tag: 'operations',
    summary: 'Readiness',
    description:
      'Database reachable, master keys loaded, migrations applied, invalidation bus listening. 503 `not_ready` ' +
      "with each check's status in details otherwise.",
    auth: 'none',
    response: ok(readinessSchema, 'Ready for traffic.'),
    errors: ['not_ready'],
  }),
} as const;

/** The admin API (`/admin/v1`, with the admin token): how the CLI reaches a running vault. */
export const ADMIN_ROUTES = {
  createProject: defineRoute({
    method: 'POST',
    path: '/admin/v1/projects',
    operationId: 'adminCreateProject',
    tag: 'admin',
    summary: 'Create a project',
    auth: 'admin',
    body: createProjectSchema,
    response: { status: 201, description: 'The project.', schema: projectSchema },
    errors: [],
  }),
  listProjects: defineRoute({
    method: 'GET',
    path: '/admin/v1/projects',
    operationId: 'adminListProjects',
    tag: 'admin',
    summary: 'List projects',
    auth: 'admin',
    response: ok(z.array(projectSchema), 'The projects.'),
    errors: [],
  }),
  updateProject: defineRoute({
    method: 'PATCH',
    path: '/admin/v1/projects/{projectId}',
    operationId: 'adminUpdateProject',
    tag: 'admin',
    summary: "Change a project's settings",
    auth: 'admin',
    params: projectParamsSchema,
    body: updateProjectSchema,
    response: ok(projectSchema, 'The project.'),
    errors: ['project_not_found'],
  }),
  createApiKey: defineRoute({
    method: 'POST',
    path: '/admin/v1/projects/{projectId}/api-keys',
    operationId: 'adminCreateApiKey',
    tag: 'admin',
    summary: 'Create an API key (its text is shown once)',
    auth: 'admin',
    params: projectParamsSchema,
    body: createApiKeySchema,
    response: { status: 201, description: 'The key, with its secret text.', schema: createdApiKeySchema },
    errors: ['project_not_found'],
  }),
  listApiKeys: defineRoute({
    method: 'GET',
    path: '/admin/v1/projects/{projectId}/api-keys',
    operationId: 'adminListApiKeys',
    tag: 'admin',
    summary: "A project's API keys (never their text)",
    auth: 'admin',
    params: projectParamsSchema,
    response: ok(z.array(apiKeySchema), 'The keys.'),
    errors: [],
  }),
  revokeApiKey: defineRoute({
    method: 'DELETE',
    path: '/admin/v1/projects/{projectId}/api-keys/{keyId}',
    operationId: 'adminRevokeApiKey',
    tag: 'admin',
    summary: 'Revoke an API key',
    auth: 'admin',
    params: apiKeyParamsSchema,
    response: ok(apiKeySchema, 'The revoked key.'),
    errors: ['api_key_not_found'],
  }),
  rotateMasterKey: defineRoute({
    method: 'POST',
    path: '/admin/v1/master-key/rotate',
    operationId: 'adminRotateMasterKey',
    tag: 'admin',
    summary: 'Rewrap every data key under the newest master key',
    auth: 'admin',
    response: { status: 201, description: 'The finished job.', schema: keyJobSchema },
    errors: ['key_job_busy', 'master_key_unavailable'],
  }),
  rotateTenantKey: defineRoute({
    method: 'POST',
    path: '/admin/v1/projects/{projectId}/tenants/{tenantId}/rotate-key',
    operationId: 'adminRotateTenantKey',
    tag: 'admin',
    summary: "Rotate a tenant's data key and re-encrypt its secrets",
    auth: 'admin',
    params: projectTenantParamsSchema,
    response: { status: 201, description: 'The finished job.', schema: keyJobSchema },
    errors: ['tenant_not_found', 'key_job_busy', 'master_key_unavailable'],
  }),
  shredTenant: defineRoute({
    method: 'POST',
    path: '/admin/v1/projects/{projectId}/tenants/{tenantId}/shred',
    operationId: 'adminShredTenant',
    tag: 'admin',
    summary: "Destroy a tenant's data keys (crypto-shredding)",
    auth: 'admin',
    params: projectTenantParamsSchema,
    response: { status: 201, description: 'The finished job.', schema: keyJobSchema },
    errors: ['tenant_not_found', 'key_job_busy'],
  }),
} as const;

/** The tags of the documentation, in order, with what each groups. */
export const ROUTE_TAGS = [
  { name: 'credentials', description: 'getCredential: a valid access token for your backend, in one call.' },
  { name: 'connect', description: 'Connect sessions: what your frontend opens to install or connect.' },
  { name: 'installations', description: "Apps installed into tenants' directories (admin consent)." },
  { name: 'connections', description: "Users' delegated connections." },
  { name: 'apps', description: 'Your provider apps (Entra app registrations); their credentials are write-only.' },
  { name: 'providers', description: 'The providers, their scope catalogues and clouds.' },
  { name: 'tenants', description: 'Your customers, with their data key versions (never key material).' },
  { name: 'events', description: 'The append-only event log (the event catalog names each payload).' },
  {
    name: 'webhooks',
    description: 'Endpoints the events are delivered to (Standard Webhooks signatures), with their delivery log.',
  },
  { name: 'issues', description: 'Problems of credentials and apps, one per problem, open until they recover.' },
  {
    name: 'proxy',
    description: "Microsoft Graph through the vault: your request, the tenant's (or user's) token added.",
  },
  { name: 'operations', description: 'Liveness and readiness probes (no key).' },
  { name: 'admin', description: 'The admin API the CLI uses (admin token, not a project key).' },
] as const;
