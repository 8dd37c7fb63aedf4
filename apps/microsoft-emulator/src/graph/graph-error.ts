// Graph's error body: {"error": {"code", "message", "innerError": {"date", "request-id",
// "client-request-id"}}}. Codes differ by workload: OneDrive answers itemNotFound /
// nameAlreadyExists / accessDenied, the directory answers Request_ResourceNotFound /
// Authorization_RequestDenied, and the Graph front door answers InvalidAuthenticationToken and
// BadRequest. https://learn.microsoft.com/graph/errors

/** A Graph error code the emulator answers with. */
export type GraphErrorCode =
  | 'InvalidAuthenticationToken'
  | 'BadRequest'
  | 'invalidRequest'
  | 'itemNotFound'
  | 'nameAlreadyExists'
  | 'accessDenied'
  | 'notSupported'
  | 'preconditionFailed'
  | 'invalidRange'
  | 'Request_ResourceNotFound'
  | 'Authorization_RequestDenied'
  | 'generalException';

/** An error that becomes a Graph-shaped response; messages never carry request secrets. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: GraphErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GraphError';
  }

  static invalidRequest(message: string): GraphError {
    return new GraphError(400, 'invalidRequest', message);
  }

  static itemNotFound(message = 'The resource could not be found.'): GraphError {
    return new GraphError(404, 'itemNotFound', message);
  }

  static accessDenied(): GraphError {
    return new GraphError(403, 'accessDenied', 'Access denied');
  }

  /** The directory's answer to a token without a User.* permission. */
  static directoryDenied(): GraphError {
    return new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }

  static nameAlreadyExists(name: string): GraphError {
    return new GraphError(409, 'nameAlreadyExists', `An item with the name '${name}' already exists.`);
  }

  static unauthenticated(message: string): GraphError {
    return new GraphError(401, 'InvalidAuthenticationToken', message);
  }
}

/** Ids that tie an error body to the request, as Graph puts them in `innerError` and headers. */
export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

/** Graph's `innerError.date`: UTC, to the second, without a zone designator. */
export function graphErrorDate(now: Date): string {
  return now.toISOString().slice(0, 19);
}

/** The JSON body Graph sends for `error`. */
export function graphErrorBody(error: GraphError, ids: RequestIds, now: Date): Record<string, unknown> {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        date: graphErrorDate(now),
        'request-id': ids.requestId,
        'client-request-id': ids.clientRequestId,
      },
    },
  };
}
