import { z } from 'zod';
import { ERROR_CATALOG, type ErrorCode, type ErrorDefinition, type ErrorGroup } from './errors/catalog';
import { apiErrorResponseSchema } from './errors/error-body';
import { errorsOf, type RouteDefinition } from './route';

type JsonSchema = Record<string, unknown>;

/** An OpenAPI 3.0 document (the parts this generator writes). */
export interface OpenApiDocument {
  openapi: '3.0.3';
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
}

export interface OpenApiOptions {
  title: string;
  version: string;
  /** Markdown above the generated error catalog. */
  description: string;
  routes: readonly RouteDefinition[];
  tags: readonly { name: string; description: string }[];
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as JsonSchema;
  delete json.$schema;
  return json;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  431: 'Headers too large',
  500: 'Server error',
  502: 'Bad gateway',
  503: 'Unavailable',
};

/** Each documented status of `code`. */
function statusesOf(definition: ErrorDefinition): number[] {
  return [definition.status, ...(definition.otherStatuses ?? [])];
}

function parameters(route: RouteDefinition): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [part, where] of [
    [route.params, 'path'],
    [route.query, 'query'],
    [route.headers, 'header'],
  ] as const) {
    if (part === undefined) continue;
    const json = jsonSchema(part, 'input');
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(properties)) {
      const { description, ...rest } = schema;
      out.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(description !== undefined ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

function errorResponses(route: RouteDefinition): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorsOf(route)) {
    for (const status of statusesOf(ERROR_CATALOG[code])) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const retryAfter = codes.some((code) => (ERROR_CATALOG[code] as ErrorDefinition).retryAfter === true);
    responses[String(status)] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}: ${codes.map((code) => `\`${code}\``).join(', ')}`,
      ...(retryAfter
        ? {
            headers: {
              'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
            },
          }
        : {}),
      content: {
        'application/json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/ErrorResponse' }],
          },
          examples: Object.fromEntries(
            codes.map((code) => [
              code,
              {
                summary: ERROR_CATALOG[code].description,
                value: {
                  error: {
                    code,
                    message: ERROR_CATALOG[code].description,
                    ...('remediation' in ERROR_CATALOG[code]
                      ? { remediation: (ERROR_CATALOG[code] as ErrorDefinition).remediation }
                      : {}),
                  },
                },
              },
            ]),
          ),
        },
      },
    };
  }
  return responses;
}

function operation(route: RouteDefinition): JsonSchema {
  const success: JsonSchema = { description: route.response.description };
  if (route.response.schema !== undefined) {
    success.content = { 'application/json': { schema: jsonSchema(route.response.schema, 'output') } };
  }
  if (route.response.headers !== undefined) {
    success.headers = Object.fromEntries(
      Object.entries(route.response.headers).map(([name, value]) => [
        name,
        { description: value, schema: { type: 'string' } },
      ]),
    );
  }
  const errors = errorsOf(route);
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: [route.description, `Error codes: ${errors.map((code) => `\`${code}\``).join(', ')}.`]
      .filter((part) => part !== undefined)
      .join('\n\n'),
    ...(route.auth === 'apiKey' ? { security: [{ projectKey: [] }] } : {}),
    ...(route.auth === 'admin' ? { security: [{ adminToken: [] }] } : {}),
    parameters: parameters(route),
    ...(route.body !== undefined
      ? {
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } },
        }
      : {}),
    responses: { [String(route.response.status)]: success, ...errorResponses(route) },
  };
}

const GROUP_TITLES: Record<ErrorGroup, string> = {
  request: 'Requests',
  authentication: 'Authentication',
  apps: 'Apps',
  connect: 'Connect sessions',
  flows: 'Browser flows (shown on the last page, posted to the opener or added to returnTo)',
  credentials: 'Credentials',
  proxy: 'Graph proxy',
  webhooks: 'Webhooks',
  keys: 'Keys and encryption',
  server: 'The server',
};

/** The error catalog as Markdown tables, one per group. */
export function errorCatalogMarkdown(): string {
  const groups = new Map<ErrorGroup, string[]>();
  for (const [code, entry] of Object.entries(ERROR_CATALOG) as [ErrorCode, ErrorDefinition][]) {
    const status = statusesOf(entry).join(', ');
    const retry = entry.retryable ? (entry.retryAfter ? 'yes (Retry-After)' : 'yes') : 'no';
    const what = [entry.description, entry.remediation].filter(Boolean).join(' — ').replace(/\|/g, '\\|');
    groups.set(entry.group, [...(groups.get(entry.group) ?? []), `| \`${code}\` | ${status} | ${retry} | ${what} |`]);
  }
  return [...groups]
    .map(([group, rows]) =>
      [
        `#### ${GROUP_TITLES[group]}`,
        '',
        '| code | status | retry | meaning — what to do |',
        '|---|---|---|---|',
        ...rows,
      ].join('\n'),
    )
    .join('\n\n');
}

/** The OpenAPI document of `routes`: every operation with its parameters, body, answer and errors. */
export function buildOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of options.routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: options.title,
      version: options.version,
      description: `${options.description}\n\n### Errors\n\nEvery error answers \`{"error": {"code", "message", "remediation"?, "details"?, "errorId"?}}\` with a stable code:\n\n${errorCatalogMarkdown()}`,
    },
    tags: options.tags.map((tag) => ({ ...tag })),
    paths,
    components: {
      schemas: {
        ErrorResponse: jsonSchema(apiErrorResponseSchema, 'output'),
      },
      securitySchemes: {
        projectKey: { type: 'http', scheme: 'bearer', description: 'A project secret key (ap_sk_...).' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token in <dataDir>/admin.token (CLI).' },
      },
    },
  };
}
