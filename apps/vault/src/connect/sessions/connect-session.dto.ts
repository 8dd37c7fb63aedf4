// The request and response schemas of POST /v1/connect-sessions are the contract's.
export {
  createConnectSessionSchema,
  DEFAULT_SESSION_SECONDS,
  MAX_SESSION_SECONDS,
  resourceSchema,
  type ConnectSessionCreatedDto,
  type CreateConnectSessionInput,
  type ResourceSpec,
} from '@authpipe/contract';
