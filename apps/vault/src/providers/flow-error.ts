import { ApiError, type FlowErrorCode } from '../common/api-error';

export type { FlowErrorCode };

/** An {@link ApiError} with one of the {@link FlowErrorCode}s (the 4xx of the flows' APIs). */
export class FlowError extends ApiError {
  constructor(
    status: number,
    readonly flowCode: FlowErrorCode,
    message: string,
    extra: { remediation?: string; details?: unknown } = {},
  ) {
    super(status, flowCode, message, extra);
    this.name = 'FlowError';
  }

  /** 404 with a resource-specific code; another project's or tenant's ids get exactly this too. */
  static missing(code: Extract<FlowErrorCode, `${string}_not_found`>, what: string): FlowError {
    return new FlowError(404, code, `No such ${what}.`);
  }

  static invalid(code: FlowErrorCode, message: string, details?: unknown, remediation?: string): FlowError {
    return new FlowError(400, code, message, { details, remediation });
  }
}
