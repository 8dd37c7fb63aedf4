import { describe, expect, it } from 'vitest';
import type { Drive, VerifiedAccessToken } from '../../directory/directory.types';
import { GraphError } from '../graph-error';
import {
  assertMayReadSites,
  assertMayReadUser,
  assertMayUseDrive,
  assertMayUseFiles,
  callerFromToken,
  signedInUserOf,
} from './graph-permissions';

const TENANT = '11111111-1111-1111-1111-111111111111';
const ALICE = 'aaaaaaaa-0000-0000-0000-000000000001';
const BOB = 'bbbbbbbb-0000-0000-0000-000000000002';

function token(claims: Partial<VerifiedAccessToken>): VerifiedAccessToken {
  return {
    tid: TENANT,
    oid: ALICE,
    appid: 'app',
    aud: 'https://graph.microsoft.com',
    iss: `https://sts.windows.net/${TENANT}/`,
    cloud: 'global',
    scp: null,
    roles: null,
    exp: 0,
    ...claims,
  };
}

function drive(ownerUserId: string | null): Drive {
  return {
    id: 'b!drive',
    tenantId: TENANT,
    driveType: ownerUserId ? 'business' : 'documentLibrary',
    name: ownerUserId ? 'OneDrive' : 'Documents',
    ownerUserId,
    siteId: ownerUserId ? null : 'site',
    webUrl: 'https://contoso.sharepoint.com/x',
  };
}

function codeOf(run: () => void): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof GraphError) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe('graph permissions', () => {
  describe(callerFromToken.name, () => {
    it('treats a token with scp as delegated for its oid and lower-cases permissions', () => {
      const caller = callerFromToken(token({ scp: ['Files.Read'] }));
      expect(caller).toMatchObject({ flow: 'delegated', userId: ALICE, tenantId: TENANT });
      expect([...caller.permissions]).toEqual(['files.read']);
    });

    it('treats a token without scp as app-only with its roles', () => {
      const caller = callerFromToken(token({ roles: ['Files.Read.All'] }));
      expect(caller).toMatchObject({ flow: 'application', userId: null });
      expect([...caller.permissions]).toEqual(['files.read.all']);
    });
  });

  describe(assertMayUseDrive.name, () => {
    it('lets delegated Files.ReadWrite write to the own OneDrive only', () => {
      const caller = callerFromToken(token({ scp: ['Files.ReadWrite'] }));
      expect(codeOf(() => assertMayUseDrive(caller, 'write', drive(ALICE)))).toBeNull();
      expect(codeOf(() => assertMayUseDrive(caller, 'read', drive(null)))).toBe('403 accessDenied');
    });

    it('refuses writes with read-only scopes', () => {
      const caller = callerFromToken(token({ scp: ['Files.Read.All'] }));
      expect(codeOf(() => assertMayUseDrive(caller, 'read', drive(null)))).toBeNull();
      expect(codeOf(() => assertMayUseDrive(caller, 'write', drive(ALICE)))).toBe('403 accessDenied');
    });

    it("keeps another user's OneDrive private from delegated callers even with .All scopes", () => {
      const caller = callerFromToken(token({ scp: ['Files.ReadWrite.All'] }));
      expect(codeOf(() => assertMayUseDrive(caller, 'read', drive(BOB)))).toBe('403 accessDenied');
    });

    it('lets app-only Sites.ReadWrite.All write any drive and Files.Read.All only read', () => {
      const writer = callerFromToken(token({ roles: ['Sites.ReadWrite.All'] }));
      expect(codeOf(() => assertMayUseDrive(writer, 'write', drive(BOB)))).toBeNull();
      const reader = callerFromToken(token({ roles: ['Files.Read.All'] }));
      expect(codeOf(() => assertMayUseDrive(reader, 'write', drive(null)))).toBe('403 accessDenied');
    });

    it('does not count delegated-only names among app roles', () => {
      const caller = callerFromToken(token({ roles: ['Files.Read'] }));
      expect(codeOf(() => assertMayUseFiles(caller, 'read'))).toBe('403 accessDenied');
    });
  });

  describe(assertMayReadSites.name, () => {
    it('needs a Sites permission; Files.ReadWrite.All is not enough', () => {
      expect(codeOf(() => assertMayReadSites(callerFromToken(token({ scp: ['Files.ReadWrite.All'] }))))).toBe(
        '403 accessDenied',
      );
      expect(codeOf(() => assertMayReadSites(callerFromToken(token({ roles: ['Sites.Read.All'] }))))).toBeNull();
    });
  });

  describe(assertMayReadUser.name, () => {
    it('lets User.Read read only the signed-in user', () => {
      const caller = callerFromToken(token({ scp: ['User.Read'] }));
      expect(codeOf(() => assertMayReadUser(caller, ALICE))).toBeNull();
      expect(codeOf(() => assertMayReadUser(caller, BOB))).toBe('403 Authorization_RequestDenied');
    });

    it('needs User.Read.All for app-only tokens', () => {
      expect(codeOf(() => assertMayReadUser(callerFromToken(token({ roles: ['Files.Read.All'] })), BOB))).toBe(
        '403 Authorization_RequestDenied',
      );
      expect(codeOf(() => assertMayReadUser(callerFromToken(token({ roles: ['User.Read.All'] })), BOB))).toBeNull();
    });
  });

  describe(signedInUserOf.name, () => {
    it('answers 400 BadRequest for an app-only token', () => {
      expect(codeOf(() => signedInUserOf(callerFromToken(token({ roles: ['User.Read.All'] }))))).toBe('400 BadRequest');
      expect(signedInUserOf(callerFromToken(token({ scp: [] })))).toBe(ALICE);
    });
  });
});
