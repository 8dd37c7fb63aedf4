// Where tenant policy meets a sign-in or a token request: Conditional Access (block, sign-in
// frequency, claims challenges) and the user's MFA state, in the order a client meets them.
import type { DirectoryUser } from '../directory/directory.types';
import { Aadsts, type AadstsError } from './aadsts';
import { AadstsPolicy } from './aadsts-policy';
import { challengeClaims, handlesClaimsChallenges, type ClaimsRequest } from './claims-request';
import type { ConditionalAccessPolicies } from './conditional-access';

/** What the token being redeemed knows about the sign-in behind it. */
export interface SessionFacts {
  authTime: Date;
  mfa: boolean;
}

/**
 * Checks a token request (code redemption or refresh) for a user against the tenant's policies;
 * throws the first failure. `resource` names the Graph in MFA messages.
 */
export function checkTokenRequest(
  policies: ConditionalAccessPolicies,
  user: DirectoryUser,
  session: SessionFacts,
  claims: ClaimsRequest,
  resource: string,
  now: Date,
): void {
  const applying = policies.applying(user.tenantId, user.id);
  if (applying.some((p) => p.control.kind === 'block')) throw AadstsPolicy.blockedByConditionalAccess();
  for (const { control } of applying) {
    if (control.kind === 'signInFrequency' && now.getTime() - session.authTime.getTime() > control.seconds * 1000)
      throw AadstsPolicy.signInFrequency(session.authTime, control.seconds);
  }
  // Conditional Access asks for MFA on the next token request unless the grant came from an MFA
  // sign-in; a user with no MFA method registered must enroll first.
  if (user.mfaRequired && !session.mfa)
    throw user.mfaRegistered ? Aadsts.mfaRequired(resource) : AadstsPolicy.mfaEnrollmentRequired(resource);
  const challenged = applying.filter((p) => p.control.kind === 'claimsChallenge').map((p) => p.id);
  if (challenged.length > 0) {
    // Only a client that declared cp1 receives the claims (claims-challenge#client-capabilities).
    const claimsForClient = handlesClaimsChallenges(claims) ? challengeClaims(challenged) : undefined;
    throw AadstsPolicy.conditionalAccessChallenge(resource, claimsForClient);
  }
}

/** An interactive sign-in refused by policy (AADSTS53003), or null. */
export function signInRefusal(policies: ConditionalAccessPolicies, user: DirectoryUser): AadstsError | null {
  const applying = policies.applying(user.tenantId, user.id);
  return applying.some((p) => p.control.kind === 'block') ? AadstsPolicy.blockedByConditionalAccess() : null;
}

/**
 * A completed interactive sign-in satisfies the claims challenges it answered. A client that
 * declared cp1 must pass the challenge's policy ids back in `claims` (claims-challenge#claims-request:
 * "passed as a part of all calls to /authorize until a token is successfully retrieved"); for a
 * client without cp1, which never saw the claims, the interactive sign-in itself satisfies them.
 */
export function satisfyChallenges(
  policies: ConditionalAccessPolicies,
  user: DirectoryUser,
  claims: ClaimsRequest,
): void {
  const capable = handlesClaimsChallenges(claims);
  for (const policy of policies.applying(user.tenantId, user.id)) {
    if (policy.control.kind !== 'claimsChallenge') continue;
    if (!capable || claims.policyIds.includes(policy.id)) policy.satisfiedBy.add(user.id);
  }
}
