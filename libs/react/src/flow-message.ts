// The one module that knows what the vault's last flow page says, so following a change of the
// vault's protocol is a change of this file only. It mirrors the flow protocol v1 of
// apps/vault/src/connect/flows/flow-protocol.ts (`type: 'authpipe:flow-result'`, `version: 1`,
// `correlationId` = the connect session's id, `credentialFor`, `account`, and a `superseded`
// status for an attempt replaced by a newer window of the same session), and still reads the
// untyped message of vaults before it ({status, provider, tenantId, userId?, installationId?,
// connectionId?, error?}, where the sender window alone correlates: see connect-flow.ts).
// Parsed by hand: the SDK ships no schema library to the browser.

/** `type` of a v1 flow message. */
export const FLOW_MESSAGE_TYPE = 'authpipe:flow-result';
const FLOW_PROTOCOL_VERSION = 1;

/** Why a flow ended without a credential, as the vault reported it. */
export interface FlowErrorInfo {
  /** Stable code (`access_denied`, `admin_consent_denied`, `connect_session_expired`, ...). */
  code: string;
  /** What happened, for developers and logs (absent in a redirect result, which carries the code only). */
  message?: string;
  /** What to do about it. */
  remediation?: string;
  /** Microsoft's AADSTS error number when Microsoft refused. */
  aadsts?: number;
}

/** A flow's result as the SDK hands it on, whichever protocol the vault spoke. */
export interface FlowMessage {
  status: 'success' | 'error' | 'superseded';
  provider: string;
  /** The project's id for the tenant (e.g. `org_acme`). */
  tenantId: string;
  userId?: string;
  installationId?: string;
  connectionId?: string;
  /** The connect session's id, when the vault sends one (protocol v1). */
  correlationId?: string;
  /** The Microsoft account stored, when the vault sends it (protocol v1). */
  account?: { upn: string | null; tid?: string };
  error?: FlowErrorInfo;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const optionalString = (value: unknown): value is string | undefined =>
  value === undefined || (typeof value === 'string' && value.length > 0);
const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function readError(value: unknown): FlowErrorInfo | null {
  if (!isObject(value) || !nonEmpty(value.code)) return null;
  return {
    code: value.code,
    ...(typeof value.message === 'string' ? { message: value.message } : {}),
    ...(typeof value.remediation === 'string' ? { remediation: value.remediation } : {}),
    ...(typeof value.aadsts === 'number' && Number.isInteger(value.aadsts) ? { aadsts: value.aadsts } : {}),
  };
}

function readAccount(value: unknown): FlowMessage['account'] | undefined {
  if (!isObject(value)) return undefined;
  const upn = typeof value.upn === 'string' ? value.upn : null;
  return { upn, ...(typeof value.tid === 'string' ? { tid: value.tid } : {}) };
}

/**
 * The flow result in a `message` event's data, or null when the data is not one (another
 * library's message, another protocol version, a malformed object).
 */
export function readFlowMessage(data: unknown): FlowMessage | null {
  if (!isObject(data)) return null;
  if (data.type !== undefined) {
    if (data.type !== FLOW_MESSAGE_TYPE || data.version !== FLOW_PROTOCOL_VERSION) return null;
    if (!nonEmpty(data.correlationId)) return null;
  }
  const { status, provider, tenantId, userId, installationId, connectionId, correlationId } = data;
  if (status !== 'success' && status !== 'error' && status !== 'superseded') return null;
  if (!nonEmpty(provider) || !nonEmpty(tenantId)) return null;
  if (!optionalString(userId) || !optionalString(installationId) || !optionalString(connectionId)) return null;
  if (!optionalString(correlationId)) return null;
  const message: FlowMessage = {
    status,
    provider,
    tenantId,
    ...(userId !== undefined ? { userId } : {}),
    ...(installationId !== undefined ? { installationId } : {}),
    ...(connectionId !== undefined ? { connectionId } : {}),
    ...(correlationId !== undefined ? { correlationId } : {}),
  };
  const account = readAccount(data.account);
  if (account !== undefined) message.account = account;
  if (status === 'error') {
    const error = readError(data.error);
    if (error === null) return null;
    message.error = error;
  }
  if (status === 'success' && installationId === undefined && connectionId === undefined) return null;
  return message;
}

/** Query parameters a redirect-mode flow adds to returnTo (both protocols use these names). */
export const REDIRECT_RESULT_PARAMS = [
  'status',
  'provider',
  'tenantId',
  'userId',
  'installationId',
  'connectionId',
  'correlationId',
  'error',
] as const;

/**
 * The result a redirect-mode flow put in the returnTo URL's query, or null when the query holds
 * none. `error` there is the error code only.
 */
export function readRedirectResult(query: URLSearchParams): FlowMessage | null {
  const data: Json = {};
  for (const name of REDIRECT_RESULT_PARAMS) {
    const value = query.get(name);
    if (value !== null) data[name] = value;
  }
  if (data.status === 'superseded') return null;
  if (typeof data.error === 'string') data.error = { code: data.error };
  // The redirect query has no `type`: read it as the untyped shape.
  return readFlowMessage(data);
}
