import type { DirectoryUser } from './directory.types';

/**
 * Users by id, by tenant and by UPN, so lookups stay O(1) (or O(users of one tenant)) when a
 * benchmark seeds a hundred thousand users. Keys are lower case: ids and UPNs compare
 * case-insensitively in Entra.
 */
export class UserIndex {
  private readonly byId = new Map<string, DirectoryUser>();
  private readonly byTenant = new Map<string, Map<string, DirectoryUser>>();
  private readonly byUpn = new Map<string, DirectoryUser>();

  add(user: DirectoryUser): void {
    const previous = this.byId.get(user.id);
    if (previous) this.remove(previous);
    this.byId.set(user.id, user);
    let tenantUsers = this.byTenant.get(user.tenantId);
    if (!tenantUsers) {
      tenantUsers = new Map();
      this.byTenant.set(user.tenantId, tenantUsers);
    }
    tenantUsers.set(user.id, user);
    this.byUpn.set(user.userPrincipalName.toLowerCase(), user);
  }

  get(id: string): DirectoryUser | undefined {
    return this.byId.get(id.toLowerCase());
  }

  byPrincipalName(upn: string): DirectoryUser | undefined {
    return this.byUpn.get(upn.toLowerCase());
  }

  ofTenant(tenantId: string): DirectoryUser[] {
    return [...(this.byTenant.get(tenantId)?.values() ?? [])];
  }

  countOfTenant(tenantId: string): number {
    return this.byTenant.get(tenantId)?.size ?? 0;
  }

  clear(): void {
    this.byId.clear();
    this.byTenant.clear();
    this.byUpn.clear();
  }

  private remove(user: DirectoryUser): void {
    this.byId.delete(user.id);
    this.byTenant.get(user.tenantId)?.delete(user.id);
    if (this.byUpn.get(user.userPrincipalName.toLowerCase()) === user)
      this.byUpn.delete(user.userPrincipalName.toLowerCase());
  }
}
