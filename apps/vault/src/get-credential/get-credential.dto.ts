// The request and response schemas of GET /v1/credentials/:provider are the contract's.
export {
  getCredentialParamsSchema,
  getCredentialQuerySchema,
  servedCredentialSchema,
  type GetCredentialQuery,
  type ServedCredentialDto,
} from '@authpipe/contract';
