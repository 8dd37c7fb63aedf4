import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';

/** One line of the read audit: reads of a credential by one API key in one minute. */
export interface CredentialReadCount {
  projectId: string;
  tenantRowId: string;
  apiKeyId: string;
  credentialKind: 'installation' | 'connection';
  credentialId: string;
  /** The minute's start. */
  minute: Date;
  count: number;
}

/** `credential_reads`: the per-minute audit of getCredential reads. */
@Injectable()
export class CredentialReadsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Adds the counts in one statement. A line whose tenant was deleted meanwhile is dropped (the
   * tenant's audit went with it), never an error that would lose the other lines.
   */
  async add(lines: CredentialReadCount[]): Promise<void> {
    if (lines.length === 0) return;
    const column = <K extends keyof CredentialReadCount>(key: K) => lines.map((line) => line[key]);
    await this.uow.db.$executeRaw`
      INSERT INTO credential_reads (project_id, tenant_id, api_key_id, credential_kind, credential_id, minute, count)
      SELECT r.project_id, r.tenant_id, r.api_key_id, r.credential_kind, r.credential_id, r.minute, r.count
        FROM unnest(${column('projectId')}::text[], ${column('tenantRowId')}::text[], ${column('apiKeyId')}::text[],
                    ${column('credentialKind')}::text[], ${column('credentialId')}::text[],
                    ${column('minute')}::timestamptz[], ${column('count')}::int[])
             AS r(project_id, tenant_id, api_key_id, credential_kind, credential_id, minute, count)
        JOIN tenants t ON t.id = r.tenant_id AND t.project_id = r.project_id
      ON CONFLICT (project_id, credential_id, minute, api_key_id)
        DO UPDATE SET count = credential_reads.count + EXCLUDED.count`;
  }

  /** The audit of one credential of the project since `since`, newest minute first. */
  async forCredential(projectId: string, credentialId: string, since: Date): Promise<CredentialReadCount[]> {
    const rows = await this.uow.db.credentialRead.findMany({
      where: { projectId, credentialId, minute: { gte: since } },
      orderBy: [{ minute: 'desc' }, { apiKeyId: 'asc' }],
    });
    return rows.map((row) => ({
      projectId: row.projectId,
      tenantRowId: row.tenantId,
      apiKeyId: row.apiKeyId,
      credentialKind: row.credentialKind as CredentialReadCount['credentialKind'],
      credentialId: row.credentialId,
      minute: row.minute,
      count: row.count,
    }));
  }

  /** Deletes the audit older than `before`; the number of lines deleted. */
  async purge(before: Date): Promise<number> {
    const { count } = await this.uow.db.credentialRead.deleteMany({ where: { minute: { lt: before } } });
    return count;
  }
}
