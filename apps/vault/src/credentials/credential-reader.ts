import { Inject, Injectable, Logger } from '@nestjs/common';
import { CryptoIntegrityError, Envelope } from '@authpipe/crypto';
import { asTenantRowId, type TenantRowId } from '../common/tenant-ids';
import type { Database } from '../database/database';
import { DATABASE } from '../database/database.module';
import { TOKEN_SET_FIELD, parseTokenSet, type Tokens } from './token-set';

/** Whose credential: the tenant's installation, or one of its users' connection. */
export type CredentialSubject = { credentialFor: 'installation' } | { credentialFor: 'user'; userId: string };

/** A credential as getCredential serves it: the row's public facts, its app's cloud, its tokens. */
export interface ReadCredential {
  kind: 'installation' | 'connection';
  id: string;
  tenantRowId: TenantRowId;
  appId: string;
  status: string;
  statusAadsts: number | null;
  statusError: string | null;
  statusRemediation: string | null;
  /** The action recorded with the status (`fix_app` for a credential flagged with its app). */
  statusAction: string | null;
  expiresAt: Date | null;
  version: number;
  scopes: string[];
  /** The app's health: `misconfigured` while its own credential fails (every credential of it is blocked). */
  appStatus: string;
  /** The app's cloud and, for custom clouds, its Graph origin. */
  cloud: string;
  graphUrl: string | null;
  /** Installations: the directory; connections: the account's directory. */
  directoryId: string;
  account: { oid: string; tid: string; upn: string | null } | null;
  resource: { kind: string; driveId: string | null; siteId: string | null; webUrl: string | null } | null;
  /** The decrypted token set; null when the credential has none. Holds secrets: never log it. */
  tokens: Tokens | null;
}

interface Row {
  id: string;
  tenant_row_id: string;
  app_id: string;
  status: string;
  status_aadsts: number | null;
  status_error: string | null;
  status_remediation: string | null;
  status_action: string | null;
  expires_at: Date | null;
  version: number;
  scopes: string[];
  app_status: string;
  cloud: string;
  graph_url: string | null;
  directory_id: string;
  oid: string | null;
  upn: string | null;
  resource_kind: string | null;
  resource_drive_id: string | null;
  resource_site_id: string | null;
  resource_web_url: string | null;
  ciphertext: Uint8Array | null;
  dek_version: number | null;
  wrapped_key: Uint8Array | null;
}

// Both kinds answer with the same columns, so one reader maps them. $1 project, $2 tenant, $3
// provider, $4 user.
//
// The token set and the data key are LATERAL subqueries with LIMIT 1 (each matches at most one
// row by a unique key) so that PostgreSQL cannot flatten them into plain joins: as joins, a table
// without statistics (freshly filled, before autovacuum first analyzes it; an embedded PGlite
// database may never be analyzed) could be planned as an index scan on `record_type` and `field`
// alone with `record_id` filtered afterwards, reading every token set of the kind on each read
// (measured: 1,080 µs of PostgreSQL CPU per read on 2,000 connections). As LATERAL subqueries they are planned per row with the credential's id and
// the tenant's id as parameters: one lookup of the unique key each, whatever the statistics.
const INSTALLATION = `
  SELECT c.id, t.id AS tenant_row_id, c.app_id, c.status, c.status_aadsts, c.status_error, c.status_remediation, c.status_action,
         c.expires_at, c.version, c.scopes, a.status AS app_status, a.cloud, a.graph_url, c.directory_id, NULL AS oid, NULL AS upn,
         c.resource_kind, c.resource_drive_id, c.resource_site_id, c.resource_web_url,
         s.ciphertext, dk.version AS dek_version, dk.wrapped_key
    FROM tenants t
    JOIN installations c ON c.tenant_id = t.id
    JOIN provider_apps a ON a.id = c.app_id
    LEFT JOIN LATERAL (
      SELECT ciphertext, dek_version FROM secrets
       WHERE record_type = 'installation' AND record_id = c.id AND field = '${TOKEN_SET_FIELD}' LIMIT 1) s ON true
    LEFT JOIN LATERAL (
      SELECT version, wrapped_key FROM data_keys WHERE owner_id = t.id AND version = s.dek_version LIMIT 1) dk ON true
   WHERE t.project_id = $1 AND t.external_id = $2 AND c.provider = $3`;

const CONNECTION = `
  SELECT c.id, t.id AS tenant_row_id, c.app_id, c.status, c.status_aadsts, c.status_error, c.status_remediation, c.status_action,
         c.expires_at, c.version, c.scopes, a.status AS app_status, a.cloud, a.graph_url, c.tid AS directory_id, c.oid, c.upn,
         NULL AS resource_kind, NULL AS resource_drive_id, NULL AS resource_site_id, NULL AS resource_web_url,
         s.ciphertext, dk.version AS dek_version, dk.wrapped_key
    FROM tenants t
    JOIN connections c ON c.tenant_id = t.id
    JOIN provider_apps a ON a.id = c.app_id
    LEFT JOIN LATERAL (
      SELECT ciphertext, dek_version FROM secrets
       WHERE record_type = 'connection' AND record_id = c.id AND field = '${TOKEN_SET_FIELD}' LIMIT 1) s ON true
    LEFT JOIN LATERAL (
      SELECT version, wrapped_key FROM data_keys WHERE owner_id = t.id AND version = s.dek_version LIMIT 1) dk ON true
   WHERE t.project_id = $1 AND t.external_id = $2 AND c.provider = $3 AND c.user_id = $4`;

/**
 * The cold read of one credential in ONE statement: the tenant by the project's id for it, the
 * installation or the user's connection, its app's cloud, its token-set ciphertext and the
 * tenant's wrapped data key of that version; then one decryption (the data key unwrapped from
 * that same row on a cache miss). What getCredential answers from when its cache is cold.
 */
@Injectable()
export class CredentialReader {
  private readonly logger = new Logger('CredentialReader');

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly envelope: Envelope,
  ) {}

  async read(
    projectId: string,
    /** The project's id for the tenant: a string (benchmarks call this with their own ids). */
    tenantExternalId: string,
    provider: string,
    subject: CredentialSubject,
  ): Promise<ReadCredential | null> {
    const kind = subject.credentialFor === 'installation' ? 'installation' : 'connection';
    // Straight to the driver, as prepared statements: on this path Prisma's query pipeline, and
    // PostgreSQL's parsing and planning of a five-table join, cost several times the query itself.
    const rows =
      subject.credentialFor === 'installation'
        ? await this.db.prepared<Row>('authpipe_read_installation', INSTALLATION, [
            projectId,
            tenantExternalId,
            provider,
          ])
        : await this.db.prepared<Row>('authpipe_read_connection', CONNECTION, [
            projectId,
            tenantExternalId,
            provider,
            subject.userId,
          ]);
    const row = rows[0];
    if (row === undefined) return null;
    return { ...this.facts(kind, row), tokens: await this.tokens(projectId, kind, row) };
  }

  private facts(kind: ReadCredential['kind'], row: Row): Omit<ReadCredential, 'tokens'> {
    return {
      kind,
      id: row.id,
      tenantRowId: asTenantRowId(row.tenant_row_id),
      appId: row.app_id,
      status: row.status,
      statusAadsts: row.status_aadsts,
      statusError: row.status_error,
      statusRemediation: row.status_remediation,
      statusAction: row.status_action,
      expiresAt: row.expires_at,
      version: row.version,
      scopes: row.scopes,
      appStatus: row.app_status,
      cloud: row.cloud,
      graphUrl: row.graph_url,
      directoryId: row.directory_id,
      account: row.oid !== null ? { oid: row.oid, tid: row.directory_id, upn: row.upn } : null,
      resource:
        row.resource_kind !== null
          ? {
              kind: row.resource_kind,
              driveId: row.resource_drive_id,
              siteId: row.resource_site_id,
              webUrl: row.resource_web_url,
            }
          : null,
    };
  }

  private async tokens(projectId: string, kind: ReadCredential['kind'], row: Row): Promise<Tokens | null> {
    if (row.ciphertext === null) return null;
    const ctx = { projectId, tenantId: row.tenant_row_id, recordType: kind, recordId: row.id, field: TOKEN_SET_FIELD };
    const stored =
      row.dek_version !== null && row.wrapped_key !== null
        ? { version: row.dek_version, wrappedKey: row.wrapped_key }
        : null;
    let plaintext: Buffer;
    try {
      plaintext = await this.envelope.decryptWithStoredKey(ctx, row.ciphertext, stored);
    } catch (error) {
      if (error instanceof CryptoIntegrityError)
        this.logger.warn(`The token set of ${kind} ${row.id} of project ${projectId} failed to open (${error.reason})`);
      throw error;
    }
    try {
      return parseTokenSet(plaintext);
    } finally {
      plaintext.fill(0);
    }
  }
}
