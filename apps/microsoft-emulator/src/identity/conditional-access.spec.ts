import { describe, expect, it } from 'vitest';
import { timeSpan } from './aadsts-policy';
import { ConditionalAccessPolicies } from './conditional-access';

const TENANT = 'c0a70000-0000-4000-8000-000000000001';
const ADELE = 'c0a70000-0000-4000-8000-0000000000b1';
const ALEX = 'c0a70000-0000-4000-8000-0000000000b2';

describe(ConditionalAccessPolicies.name, () => {
  describe('applying', () => {
    it('applies an all-users policy to every user of its tenant only', () => {
      const policies = new ConditionalAccessPolicies();
      policies.add({ tenantId: TENANT, users: 'all', control: { kind: 'block' } });
      expect(policies.applying(TENANT, ADELE)).toHaveLength(1);
      expect(policies.applying('fab0a000-0000-4000-8000-000000000002', ADELE)).toEqual([]);
    });

    it('applies an assigned policy to its users, and a claims challenge only until the user satisfied it', () => {
      const policies = new ConditionalAccessPolicies();
      const challenge = policies.add({
        tenantId: TENANT,
        users: [ADELE.toUpperCase()],
        control: { kind: 'claimsChallenge' },
      });
      expect(policies.applying(TENANT, ALEX)).toEqual([]);
      expect(policies.applying(TENANT, ADELE)).toEqual([challenge]);
      challenge.satisfiedBy.add(ADELE);
      expect(policies.applying(TENANT, ADELE)).toEqual([]);
    });

    it('stops applying a removed policy', () => {
      const policies = new ConditionalAccessPolicies();
      const { id } = policies.add({
        tenantId: TENANT,
        users: 'all',
        control: { kind: 'signInFrequency', seconds: 60 },
      });
      expect(policies.remove(id)).toBe(true);
      expect(policies.remove(id)).toBe(false);
      expect(policies.applying(TENANT, ADELE)).toEqual([]);
    });
  });
});

describe(timeSpan.name, () => {
  it('writes durations as .NET TimeSpan text, as Entra’s error descriptions do', () => {
    expect(timeSpan(3600)).toBe('01:00:00');
    expect(timeSpan(90 * 86_400)).toBe('90.00:00:00');
    expect(timeSpan(86_400 + 61)).toBe('1.00:01:01');
  });
});
