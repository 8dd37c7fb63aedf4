/**
 * A tenant has two ids that must never be swapped: the project's own name for it (`org_acme`,
 * what the API calls `tenantId`) and the vault's row id (`ten_…`, bound into the AAD of every
 * ciphertext of the tenant and into its data keys). Both are strings at runtime; the brands make
 * passing one where the other is expected a type error. Values get a brand only at the edges: a
 * validated request (the API's `tenantId`), or a row read from the database.
 */
declare const brand: unique symbol;

/** The tenant's row id (`ten_…`): internal, never shown in the API. */
export type TenantRowId = string & { readonly [brand]: 'TenantRowId' };

/** The project's own id for the tenant (`org_acme`): the API's `tenantId`. */
export type TenantExternalId = string & { readonly [brand]: 'TenantExternalId' };

/** A tenant row: the one place both ids meet. Made by `TenantResolver` (keys/tenant-resolver.ts). */
export interface TenantRef {
  projectId: string;
  tenantRowId: TenantRowId;
  tenantExternalId: TenantExternalId;
}

/**
 * Brands a tenant row id read from the database (`tenants.id`, the `tenant_id` columns); null
 * stays null (project-wide rows have no tenant).
 */
export function asTenantRowId(id: string): TenantRowId;
export function asTenantRowId(id: string | null): TenantRowId | null;
export function asTenantRowId(id: string | null): TenantRowId | null {
  return id as TenantRowId | null;
}

/**
 * Brands the project's id for a tenant: a validated request field (the API's `tenantId`), or
 * `tenants.external_id`; null and undefined (no tenant, no filter) stay as they are.
 */
export function asTenantExternalId(id: string): TenantExternalId;
export function asTenantExternalId(id: string | null): TenantExternalId | null;
export function asTenantExternalId(id: string | undefined): TenantExternalId | undefined;
export function asTenantExternalId(id: string | null | undefined): TenantExternalId | null | undefined {
  return id as TenantExternalId | null | undefined;
}

/** Whose a record is: the project's, and which of its tenants by both of the tenant's ids. */
export interface TenantOwned {
  projectId: string;
  tenantRowId: TenantRowId;
  /** The project's id for the tenant (`org_acme`). */
  tenantExternalId: TenantExternalId;
}
