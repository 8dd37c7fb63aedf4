import type { ServerResponse } from 'node:http';

const ERROR_CODE = Symbol('authpipe.errorCode');

type Noted = ServerResponse & { [ERROR_CODE]?: string };

/** Remembers the stable error code a response answers with, for its request log line. */
export function noteErrorCode(res: ServerResponse, code: string): void {
  (res as Noted)[ERROR_CODE] = code;
}

/** The code {@link noteErrorCode} recorded, if the response is an error answered by the vault. */
export function errorCodeOf(res: ServerResponse): string | undefined {
  return (res as Noted)[ERROR_CODE];
}
