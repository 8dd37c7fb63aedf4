import { applyDecorators, Body, HttpCode, Param, Query, RequestMapping, RequestMethod } from '@nestjs/common';
import { routerPath, type HttpMethod, type RouteDefinition } from '@authpipe/contract';
import { ZodValidationPipe } from './zod-validation.pipe';

const METHODS: Record<HttpMethod, RequestMethod> = {
  GET: RequestMethod.GET,
  POST: RequestMethod.POST,
  PUT: RequestMethod.PUT,
  PATCH: RequestMethod.PATCH,
  DELETE: RequestMethod.DELETE,
};

/**
 * Serves a route of the contract (`ROUTES.getCredential`): its method, its full path (the
 * controller has no prefix) and its success status. `/docs` is generated from the same
 * definitions, so what is served and what is documented cannot drift apart (a test compares the
 * served routes with the contract's).
 */
export function Route(route: RouteDefinition): MethodDecorator {
  return applyDecorators(
    RequestMapping({ path: routerPath(route), method: METHODS[route.method] }),
    HttpCode(route.response.status),
  );
}

/** The route's path parameters, validated by its `params` schema. */
export function RouteParams(route: RouteDefinition): ParameterDecorator {
  if (route.params === undefined) throw new Error(`${route.operationId} declares no params`);
  return Param(new ZodValidationPipe(route.params, 'params'));
}

/** The route's query, validated by its `query` schema (unknown parameters refused). */
export function RouteQuery(route: RouteDefinition): ParameterDecorator {
  if (route.query === undefined) throw new Error(`${route.operationId} declares no query`);
  return Query(new ZodValidationPipe(route.query, 'query'));
}

/** The route's body, validated by its `body` schema (unknown keys refused). */
export function RouteBody(route: RouteDefinition): ParameterDecorator {
  if (route.body === undefined) throw new Error(`${route.operationId} declares no body`);
  return Body(new ZodValidationPipe(route.body, 'body'));
}
