import type { z } from 'zod';
import type { ErrorCode } from './errors/catalog';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route: a project secret key, the admin token (CLI), or anyone. */
export type RouteAuth = 'apiKey' | 'admin' | 'none';

/** One route of the API: what it takes, what it answers, and the error codes it may answer with. */
export interface RouteDefinition {
  readonly method: HttpMethod;
  /** OpenAPI form: `/v1/apps/{id}`. */
  readonly path: string;
  /**
   * The name of the path's last parameter when it matches the rest of the path, slashes
   * included (the router's `*`), e.g. the Graph path of the proxy.
   */
  readonly wildcard?: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly auth: RouteAuth;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  /** Request headers the route reads (documentation: header names are case-insensitive). */
  readonly headers?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response: {
    readonly status: number;
    readonly description: string;
    /** Absent for an empty answer (204). */
    readonly schema?: z.ZodType;
    /** Response headers worth knowing (name → description). */
    readonly headers?: Readonly<Record<string, string>>;
  };
  /** The codes this route answers with besides the ones every route of its kind may. */
  readonly errors: readonly ErrorCode[];
}

/** Declares a route, keeping its literal types (so `z.infer` of its parts works at the controller). */
export function defineRoute<const T extends RouteDefinition>(route: T): T {
  return route;
}

/** The path in the router's form: `/v1/apps/:id` (and `/v1/proxy/:provider/*` for a wildcard). */
export function routerPath(route: Pick<RouteDefinition, 'path' | 'wildcard'>): string {
  return route.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => (name === route.wildcard ? '*' : `:${name}`));
}

/**
 * Every error code a route may answer with: its own, plus what any route of its kind can
 * answer (validation, NUL bytes, authentication, rate limits, unexpected errors).
 */
export function errorsOf(route: RouteDefinition): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  if ([route.params, route.query, route.headers, route.body].some((part) => part !== undefined))
    codes.add('invalid_request');
  codes.add('invalid_characters');
  if (route.body !== undefined) codes.add('unsupported_media_type').add('payload_too_large');
  if (route.auth === 'apiKey') codes.add('missing_api_key').add('invalid_api_key').add('revoked_api_key');
  if (route.auth === 'admin') codes.add('unauthorized');
  for (const code of route.errors) codes.add(code);
  codes.add('internal_error');
  return [...codes];
}

/** The input types of a route's parts, for controllers. */
export type ParamsOf<R extends RouteDefinition> = R['params'] extends z.ZodType ? z.output<R['params']> : never;
export type QueryOf<R extends RouteDefinition> = R['query'] extends z.ZodType ? z.output<R['query']> : never;
export type BodyOf<R extends RouteDefinition> = R['body'] extends z.ZodType ? z.output<R['body']> : never;
/** The answer type of a route (void for 204). */
export type ResponseOf<R extends RouteDefinition> = R['response']['schema'] extends z.ZodType
  ? z.input<R['response']['schema']>
  : void;
