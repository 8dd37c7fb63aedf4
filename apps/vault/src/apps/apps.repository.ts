import { Injectable } from '@nestjs/common';
import { Prisma } from '@authpipe/prisma';
import type { AppColumns } from '../credentials/credential-state.repository';
import { UnitOfWork } from '../database/unit-of-work';

/** A provider app row (no secret in it: the credential lives in `secrets`). */
export interface ProviderAppRecord {
  id: string;
  projectId: string;
  provider: string;
  name: string;
  clientId: string;
  credentialType: 'secret' | 'certificate';
  credentialExpiresAt: Date | null;
  certThumbprint: string | null;
  cloud: string;
  loginUrl: string | null;
  graphUrl: string | null;
  graphResource: string | null;
  userAuthority: string;
  homeTenantId: string | null;
  userScopes: string[];
  installationScopes: string[];
  redirectUris: string[];
  allowedOrigins: string[];
  status: AppStatus;
  statusAadsts: number | null;
  statusError: string | null;
  statusRemediation: string | null;
  lastCheckedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** unchecked: never checked since its credential was set; active: the last check got a token. */
export type AppStatus = 'unchecked' | 'active' | 'misconfigured';

/** The writable columns of an app. */
export type ProviderAppData = Omit<
  ProviderAppRecord,
  | 'id'
  | 'projectId'
  | 'createdAt'
  | 'updatedAt'
  | 'status'
  | 'statusAadsts'
  | 'statusError'
  | 'statusRemediation'
  | 'lastCheckedAt'
>;

/** What a check recorded. */
export interface AppCheckResult {
  status: AppStatus;
  aadsts: number | null;
  error: string | null;
  remediation: string | null;
  checkedAt: Date;
}

function toRecord<T extends { credentialType: string; status: string }>(
  row: T,
): T & Pick<ProviderAppRecord, 'credentialType' | 'status'> {
  return {
    ...row,
    credentialType: row.credentialType as ProviderAppRecord['credentialType'],
    status: row.status as AppStatus,
  };
}

/** The fields of {@link ProviderAppRecord}, each the camelCase of its `provider_apps` column. */
const APP_FIELDS = [
  'id',
  'projectId',
  'provider',
  'name',
  'clientId',
  'credentialType',
  'credentialExpiresAt',
  'certThumbprint',
  'cloud',
  'loginUrl',
  'graphUrl',
  'graphResource',
  'userAuthority',
  'homeTenantId',
  'userScopes',
  'installationScopes',
  'redirectUris',
  'allowedOrigins',
  'status',
  'statusAadsts',
  'statusError',
  'statusRemediation',
  'lastCheckedAt',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof ProviderAppRecord)[];

/**
 * The columns of {@link ProviderAppRecord} from `provider_apps` aliased `a`, named `app.<field>`,
 * for a statement that reads an app with the record it belongs to (the refresh's leased read);
 * {@link appFromColumns} makes the record of them. Built from constant names only.
 */
export const APP_COLUMNS = Prisma.raw(
  APP_FIELDS.map((field) => `a.${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} AS "app.${field}"`).join(', '),
);

/** The app of a row read with {@link APP_COLUMNS} (its `app.*` fields), and the row without them. */
export function appFromColumns<T extends Record<string, unknown>>(row: T): { app: ProviderAppRecord; rest: T } {
  const app: Record<string, unknown> = {};
  for (const field of APP_FIELDS) app[field] = row[`app.${field}`];
  // The rest copied without the app's fields rather than deleted from a copy: deleting turns an
  // object into a slow dictionary, which every later read of the record (the whole refresh) pays.
  const rest: Record<string, unknown> = {};
  for (const key in row) if (!key.startsWith('app.')) rest[key] = row[key];
  return { app: toRecord(app as unknown as ProviderAppRecord), rest: rest as T };
}

/** The app as the refresh's leased read brings it along (see CredentialStateRepository.leaseAndRead). */
export const LEASED_APP: AppColumns<ProviderAppRecord> = { select: APP_COLUMNS, take: appFromColumns };

/** `provider_apps`. Every method takes the project first; another project's app is simply absent. */
@Injectable()
export class AppsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async create(projectId: string, id: string, data: ProviderAppData): Promise<ProviderAppRecord> {
    return toRecord(await this.uow.db.providerApp.create({ data: { id, projectId, ...data, status: 'unchecked' } }));
  }

  async find(projectId: string, id: string): Promise<ProviderAppRecord | null> {
    const row = await this.uow.db.providerApp.findFirst({ where: { projectId, id } });
    return row ? toRecord(row) : null;
  }

  /** A page of the project's apps in id (= creation) order, strictly after `after`. */
  async list(
    projectId: string,
    filter: { provider?: string },
    page: { limit: number; after?: string },
  ): Promise<ProviderAppRecord[]> {
    const rows = await this.uow.db.providerApp.findMany({
      where: {
        projectId,
        ...(filter.provider !== undefined ? { provider: filter.provider } : {}),
        ...(page.after !== undefined ? { id: { gt: page.after } } : {}),
      },
      orderBy: { id: 'asc' },
      take: page.limit,
    });
    return rows.map(toRecord);
  }

  /**
   * Updates the given columns; a changed credential (`resetStatus`) puts the app back to
   * `unchecked`, since the last check proved the old one. Returns null for a missing app.
   */
  async update(
    projectId: string,
    id: string,
    data: Partial<ProviderAppData>,
    options: { resetStatus: boolean },
  ): Promise<ProviderAppRecord | null> {
    const reset = options.resetStatus
      ? { status: 'unchecked', statusAadsts: null, statusError: null, statusRemediation: null, lastCheckedAt: null }
      : {};
    // A new secret or certificate gets its own expiry warnings.
    const warnings = 'credentialExpiresAt' in data ? { credentialWarnedDays: null } : {};
    const { count } = await this.uow.db.providerApp.updateMany({
      where: { projectId, id },
      data: { ...data, ...reset, ...warnings },
    });
    return count === 1 ? this.find(projectId, id) : null;
  }

  async recordCheck(projectId: string, id: string, result: AppCheckResult): Promise<ProviderAppRecord | null> {
    const { count } = await this.uow.db.providerApp.updateMany({
      where: { projectId, id },
      data: {
        status: result.status,
        statusAadsts: result.aadsts,
        statusError: result.error,
        statusRemediation: result.remediation,
        lastCheckedAt: result.checkedAt,
      },
    });
    return count === 1 ? this.find(projectId, id) : null;
  }

  /**
   * Marks the app misconfigured unless it already is: true when this call marked it (the one
   * alert), false when it was marked before (or is gone).
   */
  async markMisconfigured(projectId: string, id: string, result: Omit<AppCheckResult, 'status'>): Promise<boolean> {
    const { count } = await this.uow.db.providerApp.updateMany({
      where: { projectId, id, status: { not: 'misconfigured' } },
      data: {
        status: 'misconfigured',
        statusAadsts: result.aadsts,
        statusError: result.error,
        statusRemediation: result.remediation,
        lastCheckedAt: result.checkedAt,
      },
    });
    return count === 1;
  }

  /** How many installations and connections use the app (they keep it from being deleted). */
  async usage(projectId: string, id: string): Promise<{ installations: number; connections: number }> {
    const [installations, connections] = await Promise.all([
      this.uow.db.installation.count({ where: { projectId, appId: id } }),
      this.uow.db.connection.count({ where: { projectId, appId: id } }),
    ]);
    return { installations, connections };
  }

  /** Deletes the app (its connect sessions go by cascade); returns whether it existed. */
  async delete(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.uow.db.providerApp.deleteMany({ where: { projectId, id } });
    return count === 1;
  }
}
