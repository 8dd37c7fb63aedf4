import type { AdminConsent, UserConsent } from './directory.types';

const key = (...parts: string[]): string => parts.join('|');

/** Admin (tenant-wide) and user consents, keyed by tenant, user and lower-cased client id. */
export class ConsentGrants {
  private readonly admin = new Map<string, AdminConsent>();
  private readonly user = new Map<string, UserConsent>();

  findAdmin(tenantId: string, clientId: string): AdminConsent | undefined {
    return this.admin.get(key(tenantId, clientId.toLowerCase()));
  }

  findUser(tenantId: string, userId: string, clientId: string): UserConsent | undefined {
    return this.user.get(key(tenantId, userId, clientId.toLowerCase()));
  }

  grantAdmin(input: Omit<AdminConsent, 'grantedAt'>, now: Date): AdminConsent {
    const consent: AdminConsent = { ...input, clientId: input.clientId.toLowerCase(), grantedAt: now };
    this.admin.set(key(consent.tenantId, consent.clientId), consent);
    return consent;
  }

  removeAdmin(tenantId: string, clientId: string): boolean {
    return this.admin.delete(key(tenantId, clientId.toLowerCase()));
  }

  /**
   * Records a user's consent, merging scopes with what the user granted before, as Entra does. A
   * first consent keeps the caller's list (a bulk seed shares one), so callers pass distinct scopes.
   */
  grantUser(input: Omit<UserConsent, 'grantedAt'>, now: Date): UserConsent {
    const previous = this.findUser(input.tenantId, input.userId, input.clientId);
    const scopes = previous ? [...new Set([...previous.scopes, ...input.scopes])] : input.scopes;
    const consent: UserConsent = { ...input, clientId: input.clientId.toLowerCase(), scopes, grantedAt: now };
    this.user.set(key(consent.tenantId, consent.userId, consent.clientId), consent);
    return consent;
  }

  removeUser(tenantId: string, userId: string, clientId: string): boolean {
    return this.user.delete(key(tenantId, userId, clientId.toLowerCase()));
  }

  clear(): void {
    this.admin.clear();
    this.user.clear();
  }
}
