// Security audit item 7 (SSRF through custom endpoints). An app's custom login and Graph URLs are
// typed by an API caller, and the vault connects to them from inside the operator's network, so:
// (1) only origins the operator allowed (AUTHPIPE_CUSTOM_CLOUD_ORIGINS) are accepted, here; (2)
// wherever a name resolves, the HTTP layer refuses loopback, link-local and private addresses
// unless allowed (AUTHPIPE_ALLOW_PRIVATE_NETWORKS), at every connection; (3) a check that gets no
// HTTP answer says so in one generic way, so it cannot be used to map ports (apps.service.ts).
import type { MicrosoftFailure } from '@authpipe/microsoft';
import type { MicrosoftGateway } from '../microsoft/microsoft-gateway';
import { FlowError } from '../providers/flow-error';

const FIELDS = ['loginUrl', 'graphUrl'] as const;

/**
 * Refuses custom endpoints outside the operator's allow-list with `custom_endpoint_not_allowed`:
 * 400 when an API caller submits them, 409 when a stored app's origin is no longer allowed.
 */
export function assertCustomEndpointsAllowed(
  gateway: MicrosoftGateway,
  endpoints: { loginUrl: string; graphUrl: string },
  status: 400 | 409 = 400,
): void {
  const refused = FIELDS.filter((field) => !gateway.allowsCustomEndpoint(endpoints[field]));
  if (refused.length === 0) return;
  throw new FlowError(
    'custom_endpoint_not_allowed',
    "The app's custom cloud endpoints are not among the custom clouds this deployment allows.",
    {
      ...(status !== 400 ? { status } : {}),
      details: refused.map((field) => ({ path: `endpoints.${field}`, message: 'origin not allowed' })),
      remediation:
        'Use a named cloud (global, usgov-l4, usgov-l5, china), or ask the operator to add the origins to AUTHPIPE_CUSTOM_CLOUD_ORIGINS.',
    },
  );
}

/**
 * What a check answers whenever the endpoints gave no HTTP answer at all (refused, closed, plain
 * HTTP, TLS failure, timeout, DNS, a refused address): one code and one sentence for all of them.
 * The status it implies is "unchanged", like any transient failure.
 */
export const ENDPOINT_UNREACHABLE: Readonly<MicrosoftFailure> = Object.freeze({
  kind: 'transient',
  aadsts: null,
  error: 'endpoint_unreachable',
  remediation:
    "The app's Microsoft endpoints gave no HTTP answer: check its cloud and endpoints and the network, then check again.",
  action: 'retry',
});
