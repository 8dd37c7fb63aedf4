import { ApiError, type ApiErrorExtra, type FlowErrorCode } from '../common/api-error';

export type { FlowErrorCode };

/** An {@link ApiError} with one of the {@link FlowErrorCode}s (the 4xx of the flows' APIs). */
export class FlowError extends ApiError {
  constructor(
    readonly flowCode: FlowErrorCode,
    message: string,
    extra: ApiErrorExtra = {},
  ) {
    super(flowCode, message, extra);
    this.name = 'FlowError';
  }

  /** 404 with a resource-specific code; another project's or tenant's ids get exactly this too. */
  static missing(code: Extract<FlowErrorCode, `${string}_not_found`>, what: string): FlowError {
    return new FlowError(code, `No such ${what}.`);
  }

  /** A refused input (the code's catalog status, 400 for these). */
  static invalid(code: FlowErrorCode, message: string, details?: unknown, remediation?: string): FlowError {
    return new FlowError(code, message, { details, remediation });
  }
}
