import { describe, expect, it } from 'vitest';
import { AadstsError } from './aadsts';
import { challengeClaims, handlesClaimsChallenges, parseClaimsRequest } from './claims-request';

describe(parseClaimsRequest.name, () => {
  it('reads client capabilities case-insensitively, as msal-node sends them', () => {
    const claims = parseClaimsRequest(
      '{"access_token":{"xms_cc":{"values":["CP1"]}},"id_token":{"login_hint":{"essential":false}}}',
    );
    expect(claims).toEqual({ capabilities: ['cp1'], policyIds: [] });
    expect(handlesClaimsChallenges(claims)).toBe(true);
  });

  it('reads the policy ids of a challenge passed back, spelled Values as Microsoft’s guide shows', () => {
    const id = '8D2F3B1A-0000-4000-8000-000000000001';
    const claims = parseClaimsRequest(challengeClaims([id]));
    expect(claims.policyIds).toEqual([id.toLowerCase()]);
    expect(handlesClaimsChallenges(claims)).toBe(false);
    expect(parseClaimsRequest('{"access_token":{"polids":{"values":["a"]}}}').policyIds).toEqual(['a']);
  });

  it('treats an absent parameter or one without access_token claims as no claims', () => {
    expect(parseClaimsRequest(undefined)).toEqual({ capabilities: [], policyIds: [] });
    expect(parseClaimsRequest('{"id_token":{}}')).toEqual({ capabilities: [], policyIds: [] });
  });

  it('refuses text that is not a JSON object with AADSTS90014', () => {
    for (const raw of ['{"access_token":', '[1]', '"cp1"']) {
      expect(() => parseClaimsRequest(raw)).toThrow(AadstsError);
    }
  });
});
