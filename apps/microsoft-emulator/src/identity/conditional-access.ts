import { randomUUID } from 'node:crypto';

/**
 * What a Conditional Access policy asks for (the emulator models the three that matter to refresh):
 * - `block`: no token for the user (AADSTS53003);
 * - `signInFrequency`: a refresh token is refused once the user's last interactive sign-in is
 *   older than `seconds` (AADSTS70043);
 * - `claimsChallenge`: the token endpoint answers AADSTS50076 `interaction_required` until the user
 *   signs in again; clients that declared cp1 also get the `claims` to send on that sign-in.
 */
export type PolicyControl =
  { kind: 'block' } | { kind: 'signInFrequency'; seconds: number } | { kind: 'claimsChallenge' };

/** A Conditional Access policy of one tenant, assigned to all its users or to some. */
export interface ConditionalAccessPolicy {
  /** The policy id; a claims challenge names it in `polids`. */
  id: string;
  tenantId: string;
  users: 'all' | string[];
  control: PolicyControl;
  /** Users who satisfied a claims challenge by signing in again; it no longer applies to them. */
  satisfiedBy: Set<string>;
}

/**
 * The tenants' Conditional Access policies, as the control API sets them.
 * https://learn.microsoft.com/en-us/entra/identity/conditional-access/overview
 */
export class ConditionalAccessPolicies {
  private policies: ConditionalAccessPolicy[] = [];

  add(input: { tenantId: string; users: 'all' | string[]; control: PolicyControl }): ConditionalAccessPolicy {
    const policy: ConditionalAccessPolicy = {
      id: randomUUID(),
      tenantId: input.tenantId.toLowerCase(),
      users: input.users === 'all' ? 'all' : input.users.map((u) => u.toLowerCase()),
      control: input.control,
      satisfiedBy: new Set(),
    };
    this.policies.push(policy);
    return policy;
  }

  list(): ConditionalAccessPolicy[] {
    return [...this.policies];
  }

  remove(id: string): boolean {
    const before = this.policies.length;
    this.policies = this.policies.filter((p) => p.id !== id.toLowerCase());
    return this.policies.length !== before;
  }

  /** The policies that apply to a user now (a satisfied claims challenge no longer does). */
  applying(tenantId: string, userId: string): ConditionalAccessPolicy[] {
    if (this.policies.length === 0) return [];
    return this.policies.filter(
      (p) =>
        p.tenantId === tenantId &&
        (p.users === 'all' || p.users.includes(userId)) &&
        !(p.control.kind === 'claimsChallenge' && p.satisfiedBy.has(userId)),
    );
  }

  clear(): void {
    this.policies = [];
  }
}
