import type { ErrorCode, FlowFailureCode } from '@authpipe/contract';
import type { MicrosoftFailure } from '@authpipe/microsoft';
import type { ConnectSessionRecord } from '../sessions/connect-sessions.repository';

// The codes a flow ends with are in the one catalog (@authpipe/contract); an API step failing
// inside a flow (an ApiError) reaches the page with its own catalog code.
export type { FlowFailureCode };

/** What a failed flow reports: safe to show and to post (no token, code, verifier or Microsoft description). */
export interface FlowFailureInfo {
  code: ErrorCode;
  /** A plain sentence for the person in front of the browser. */
  message: string;
  /** What to do about it. */
  remediation: string;
  aadsts?: number;
  /** Who can fix it: the user retrying, an admin, or the application's developers. */
  action?: MicrosoftFailure['action'];
}

const RETRY = 'Close this window and start again from the application: every attempt needs a new connect session.';

/** A flow ended without a credential; thrown inside the flows and rendered as a failure page. */
export class FlowFailure extends Error {
  constructor(
    readonly status: number,
    readonly info: FlowFailureInfo,
  ) {
    super(info.message);
    this.name = 'FlowFailure';
  }

  static of(status: number, code: ErrorCode, message: string, remediation = RETRY): FlowFailure {
    return new FlowFailure(status, { code, message, remediation });
  }

  /** A Microsoft failure explained by its classification (AADSTS code → cause → what to do). */
  static fromMicrosoft(failure: MicrosoftFailure, code: FlowFailureCode = 'microsoft_error'): FlowFailure {
    const prefix =
      failure.aadsts !== null
        ? `Microsoft refused the request (AADSTS${failure.aadsts}).`
        : `Microsoft refused the request (${failure.error}).`;
    return new FlowFailure(502, {
      code,
      message: prefix,
      remediation: failure.remediation,
      ...(failure.aadsts !== null ? { aadsts: failure.aadsts } : {}),
      action: failure.action,
    });
  }
}

/**
 * A callback of an attempt that a newer start of the same session in the same browser replaced:
 * it ends on the "superseded" page, stores nothing and leaves the session to the newest attempt.
 */
export class FlowSuperseded extends FlowFailure {
  constructor(
    readonly session: ConnectSessionRecord,
    readonly openerOrigin: string | null,
  ) {
    super(409, {
      code: 'flow_superseded',
      message: 'A newer attempt of this connect session was started in the same browser; this one was set aside.',
      remediation: 'Finish in the newest window; this one stored nothing.',
    });
    this.name = 'FlowSuperseded';
  }
}
