import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  isNetworkFailure,
  MicrosoftError,
  resolveCloud,
  type MicrosoftApp,
  type MicrosoftFailure,
} from '@authpipe/microsoft';
import { ApiError } from '../common/api-error';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { parseInput } from '../common/zod-validation.pipe';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import { EventsService } from '../events/events.service';
import { MicrosoftGateway } from '../microsoft/microsoft-gateway';
import { FlowError } from '../providers/flow-error';
import { ProvidersRegistry } from '../providers/providers.registry';
import { SecretsService } from '../secrets/secrets.service';
import {
  createAppSchema,
  toAppDto,
  updateAppSchema,
  type AppCheckDto,
  type AppCredentialInput,
  type AppDto,
  type CreateAppInput,
  type ListAppsQuery,
  type UpdateAppInput,
} from './app.dto';
import {
  APP_SECRET_REF,
  prepareCredential,
  storedCredentialSchema,
  toMicrosoftApp,
  type PreparedCredential,
  type StoredCredential,
} from './app-credentials';
import { UnitOfWork } from '../database/unit-of-work';
import { CredentialStateWriter } from '../credentials/credential-state-writer';
import { AppsRepository, type AppStatus, type ProviderAppData, type ProviderAppRecord } from './apps.repository';
import { CertificateReader } from './certificate-reader';
import { assertCustomEndpointsAllowed, ENDPOINT_UNREACHABLE } from './custom-endpoints';

/** An app with its decrypted credential, for the OAuth flows. Holds a secret: never log or return it. */
export interface AppWithCredentials {
  app: ProviderAppRecord;
  microsoft: MicrosoftApp;
}

const MULTI_TENANT_AUTHORITIES = new Set(['common', 'organizations', 'consumers']);
/** How long an opened app credential is reused for the same ciphertext (see AppsService.opened). */
const OPENED_CREDENTIAL_TTL_MS = 5 * 60_000;
/** At most this many apps' opened credentials are kept; the oldest opened goes first. */
const OPENED_CREDENTIALS_MAX = 1000;

/** Provider apps: the project's own Entra app registrations, their encrypted credentials and checks. */
@Injectable()
export class AppsService {
  private readonly logger = new Logger(AppsService.name);
  /**
   * The refresh's app credentials as last opened, by project and app, each with the ciphertext it
   * was opened from: {@link openWithCredentials} reuses one only for the very same ciphertext, so
   * a replaced or re-encrypted credential (new ciphertext, new nonce) is opened afresh on its
   * first use, with no invalidation to miss. It saves a decryption and a parse per refresh. Each
   * is reused for OPENED_CREDENTIAL_TTL_MS at most, and expired ones are dropped at the next
   * opening, so an app that stopped refreshing does not keep its plaintext credential here.
   */
  private readonly opened = new Map<string, { sealed: Uint8Array; credential: StoredCredential; until: number }>();

  constructor(
    private readonly apps: AppsRepository,
    private readonly providers: ProvidersRegistry,
    private readonly secrets: SecretsService,
    private readonly events: EventsService,
    private readonly microsoft: MicrosoftGateway,
    private readonly certificates: CertificateReader,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
    private readonly uow: UnitOfWork,
    private readonly credentials: CredentialStateWriter,
  ) {}

  async create(projectId: string, body: unknown): Promise<AppDto> {
    const input: CreateAppInput = parseInput(createAppSchema, body);
    if (input.endpoints !== undefined) assertCustomEndpointsAllowed(this.microsoft, input.endpoints);
    const provider = this.providers.get(input.provider);
    const userScopes = this.providers.normaliseScopes(provider, 'user', input.userScopes ?? provider.defaultUserScopes);
    this.providers.requireUserScopes(provider, userScopes);
    const installationScopes = this.providers.normaliseScopes(
      provider,
      'installation',
      input.installationScopes ?? provider.defaultInstallationScopes,
    );
    const credential = await this.prepare(input.credential);
    const id = this.ids.next('app');
    const data: ProviderAppData = {
      provider: provider.id,
      name: input.name,
      clientId: input.clientId,
      ...credential.columns,
      cloud: input.cloud,
      loginUrl: input.endpoints?.loginUrl ?? null,
      graphUrl: input.endpoints?.graphUrl ?? null,
      graphResource: input.endpoints?.graphResource ?? null,
      userAuthority: input.userAuthority,
      homeTenantId: input.homeTenantId ?? null,
      userScopes,
      installationScopes,
      redirectUris: input.redirectUris ?? this.defaultRedirectUris(),
      allowedOrigins: input.allowedOrigins ?? [],
    };
    // The row, its credential and the event commit together (the credential sealed beforehand).
    const record = await this.withSealedCredential(projectId, id, credential.stored, async () => {
      const created = await this.apps.create(projectId, id, data);
      await this.events.append(projectId, null, 'app.created', {
        appId: id,
        provider: provider.id,
        credentialType: data.credentialType,
      });
      return created;
    });
    return toAppDto(record);
  }

  async list(projectId: string, query: ListAppsQuery): Promise<{ data: AppDto[]; nextCursor: string | null }> {
    const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
    const rows = await this.apps.list(projectId, { provider: query.provider }, { limit: query.limit + 1, after });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { data: page.map(toAppDto), nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
  }

  async get(projectId: string, id: string): Promise<AppDto> {
    return toAppDto(await this.find(projectId, id));
  }

  /** The app row, or app_not_found (also for another project's app). */
  async find(projectId: string, id: string): Promise<ProviderAppRecord> {
    const app = await this.apps.find(projectId, id);
    if (!app) throw FlowError.missing('app_not_found', 'app in this project');
    return app;
  }

  async update(projectId: string, id: string, body: unknown): Promise<AppDto> {
    const input: UpdateAppInput = parseInput(updateAppSchema, body);
    const current = await this.find(projectId, id);
    const provider = this.providers.get(current.provider);
    const data: Partial<ProviderAppData> = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.clientId !== undefined) data.clientId = input.clientId;
    if (input.userAuthority !== undefined) data.userAuthority = input.userAuthority;
    if (input.homeTenantId !== undefined) data.homeTenantId = input.homeTenantId;
    if (input.redirectUris !== undefined) data.redirectUris = input.redirectUris;
    if (input.allowedOrigins !== undefined) data.allowedOrigins = input.allowedOrigins;
    if (input.userScopes !== undefined) {
      data.userScopes = this.providers.normaliseScopes(provider, 'user', input.userScopes);
      this.providers.requireUserScopes(provider, data.userScopes);
    }
    if (input.installationScopes !== undefined) {
      data.installationScopes = this.providers.normaliseScopes(provider, 'installation', input.installationScopes);
    }
    if (input.cloud !== undefined) {
      if (input.endpoints !== undefined) assertCustomEndpointsAllowed(this.microsoft, input.endpoints);
      data.cloud = input.cloud;
      data.loginUrl = input.endpoints?.loginUrl ?? null;
      data.graphUrl = input.endpoints?.graphUrl ?? null;
      data.graphResource = input.endpoints?.graphResource ?? null;
    } else if (input.endpoints !== undefined) {
      if (current.cloud !== 'custom') {
        throw ApiError.invalidRequest('The request is invalid; see details.', [
          { path: 'endpoints', message: 'only for cloud custom' },
        ]);
      }
      assertCustomEndpointsAllowed(this.microsoft, input.endpoints);
      Object.assign(data, {
        loginUrl: input.endpoints.loginUrl,
        graphUrl: input.endpoints.graphUrl,
        graphResource: input.endpoints.graphResource ?? null,
      });
    }
    const credential = input.credential !== undefined ? await this.prepare(input.credential) : null;
    if (credential !== null) Object.assign(data, credential.columns);
    // Whatever the last check proved no longer holds once the credential, client or endpoints change.
    const resetStatus = [input.credential, input.clientId, input.cloud, input.endpoints, input.homeTenantId].some(
      (v) => v !== undefined,
    );
    const write = async () => {
      const updated = await this.apps.update(projectId, id, data, { resetStatus });
      if (!updated) throw FlowError.missing('app_not_found', 'app in this project');
      // A new credential (or client, cloud…) may work: the credentials it flagged are tried again now.
      if (resetStatus) await this.credentials.appFixed(projectId, id);
      await this.events.append(projectId, null, 'app.updated', { appId: id, fields: Object.keys(input).sort() });
      return updated;
    };
    const updated =
      credential !== null
        ? await this.withSealedCredential(projectId, id, credential.stored, write)
        : await this.uow.run(write);
    return toAppDto(updated);
  }

  /** Deletes an app no installation or connection uses, with its credential. */
  async delete(projectId: string, id: string): Promise<void> {
    await this.find(projectId, id);
    const usage = await this.apps.usage(projectId, id);
    if (usage.installations > 0 || usage.connections > 0) {
      throw new FlowError('app_in_use', 'The app still has installations or connections; delete them first.', {
        details: usage,
      });
    }
    await this.uow.run(async () => {
      if (!(await this.apps.delete(projectId, id))) throw FlowError.missing('app_not_found', 'app in this project');
      await this.secrets.deleteRecord({ projectId, tenantExternalId: null }, APP_SECRET_REF(id).recordType, id);
      await this.events.append(projectId, null, 'app.deleted', { appId: id });
    });
  }

  /**
   * The app with its decrypted credential, for the OAuth flows (client credentials, code redemption).
   *
   * @throws FlowError app_not_found for a missing or another project's app.
   */
  async getWithCredentials(projectId: string, appId: string): Promise<AppWithCredentials> {
    const app = await this.find(projectId, appId);
    this.assertEndpointsAllowed(app);
    const raw = await this.secrets.get({ projectId, tenantExternalId: null }, APP_SECRET_REF(app.id));
    return this.withCredential(app, raw);
  }

  /**
   * {@link getWithCredentials} of an app row and its sealed credential that the caller read with
   * a record of the app (the refresh's leased read: one statement for the credential and its app).
   */
  async openWithCredentials(
    app: ProviderAppRecord,
    sealed: Uint8Array<ArrayBuffer> | null,
  ): Promise<AppWithCredentials> {
    this.assertEndpointsAllowed(app);
    if (sealed === null) return this.withCredential(app, null);
    const key = `${app.projectId}:${app.id}`;
    const now = this.clock();
    const opened = this.opened.get(key);
    if (opened !== undefined && opened.until > now && Buffer.compare(opened.sealed, sealed) === 0) {
      return { app, microsoft: toMicrosoftApp(app, opened.credential) };
    }
    const ref = APP_SECRET_REF(app.id);
    const raw = await this.secrets.open(
      { projectId: app.projectId, tenantRowId: null, tenantExternalId: null },
      ref,
      sealed,
    );
    const credential = this.parseCredential(app, raw);
    this.opened.delete(key);
    for (const [other, entry] of this.opened) if (entry.until <= now) this.opened.delete(other);
    if (this.opened.size >= OPENED_CREDENTIALS_MAX) this.opened.delete(this.opened.keys().next().value!);
    this.opened.set(key, { sealed: Uint8Array.from(sealed), credential, until: now + OPENED_CREDENTIAL_TTL_MS });
    return { app, microsoft: toMicrosoftApp(app, credential) };
  }

  private assertEndpointsAllowed(app: ProviderAppRecord): void {
    // A row written before the allow-list, or an origin the operator has since removed.
    if (app.cloud === 'custom') {
      assertCustomEndpointsAllowed(this.microsoft, { loginUrl: app.loginUrl ?? '', graphUrl: app.graphUrl ?? '' }, 409);
    }
  }

  private withCredential(app: ProviderAppRecord, raw: Buffer | null): AppWithCredentials {
    return { app, microsoft: toMicrosoftApp(app, this.parseCredential(app, raw)) };
  }

  private parseCredential(app: ProviderAppRecord, raw: Buffer | null): StoredCredential {
    if (!raw) throw new Error(`App ${app.id} has no stored credential`);
    try {
      return storedCredentialSchema.parse(JSON.parse(raw.toString('utf8')));
    } finally {
      raw.fill(0);
    }
  }

  /**
   * "Does this secret or certificate get a token right now?": client credentials against the
   * app's home directory, bypassing msal's token cache. The outcome is stored as the app's status;
   * a transient failure (5xx, 429, timeout) leaves the status as it was.
   */
  async check(projectId: string, id: string): Promise<AppCheckDto> {
    const { app, microsoft } = await this.getWithCredentials(projectId, id);
    const directory = app.homeTenantId ?? (MULTI_TENANT_AUTHORITIES.has(app.userAuthority) ? null : app.userAuthority);
    if (directory === null) {
      throw FlowError.invalid(
        'app_home_tenant_required',
        'The app has a multi-tenant authority and no homeTenantId: the check needs the directory the app is registered in.',
        undefined,
        'Set homeTenantId to the directory (tenant) id shown on the app registration overview in Entra ID.',
      );
    }
    let failure: MicrosoftFailure | null = null;
    let expiresAt: Date | null = null;
    try {
      const token = await this.microsoft.auth.acquireAppToken({
        app: microsoft,
        tenantId: directory,
        scopes: [resolveCloud(microsoft.cloud).graphDefaultScope],
        skipCache: true,
      });
      expiresAt = token.expiresOn;
    } catch (error) {
      if (!(error instanceof MicrosoftError)) throw error;
      failure = error.failure;
      if (isNetworkFailure(failure)) {
        // The caller learns only that no HTTP answer came (custom-endpoints.ts); the log keeps why.
        this.logger.warn(
          {
            projectId,
            appId: id,
            cloud: app.cloud,
            loginOrigin: new URL(resolveCloud(microsoft.cloud).loginUrl).origin,
            failure: failure.error,
            systemCode: error.systemCode,
          },
          'App check: the Microsoft endpoints gave no HTTP answer',
        );
        failure = ENDPOINT_UNREACHABLE;
      }
    }
    const checkedAt = new Date(this.clock());
    const status: AppStatus = failure === null ? 'active' : failure.kind === 'transient' ? app.status : 'misconfigured';
    await this.uow.run(async () => {
      if (status === 'active') await this.credentials.appFixed(projectId, id);
      await this.apps.recordCheck(projectId, id, {
        status,
        aadsts: failure?.aadsts ?? null,
        error: failure?.error ?? null,
        remediation: failure?.remediation ?? null,
        checkedAt,
      });
      await this.events.append(projectId, null, 'app.checked', {
        appId: id,
        ok: failure === null,
        status,
        aadsts: failure?.aadsts ?? null,
        error: failure?.error ?? null,
      });
    });
    return {
      ok: failure === null,
      status,
      checkedAt: checkedAt.toISOString(),
      directory,
      token: expiresAt ? { expiresAt: expiresAt.toISOString() } : null,
      error: failure
        ? {
            kind: failure.kind,
            aadsts: failure.aadsts,
            error: failure.error,
            remediation: failure.remediation,
            action: failure.action,
          }
        : null,
    };
  }

  /** Checks a credential; a certificate is read in a worker thread (CertificateReader). */
  private prepare(credential: AppCredentialInput): Promise<PreparedCredential> {
    return prepareCredential(credential, new Date(this.clock()), (input, now) => this.certificates.read(input, now));
  }

  private defaultRedirectUris(): string[] {
    return [`${this.config.publicUrl}/oauth/callback`, `${this.config.publicUrl}/oauth/admin-consent/callback`];
  }

  /**
   * Records that Microsoft refused the app's own credential while it was used (a flow, a
   * refresh): the app becomes misconfigured with the remediation, and every credential of it is
   * flagged and stops being retried, with one `app.misconfigured` event — all in one unit of work,
   * and only the first time: an app already marked stays as it is, with no second alert. New
   * connect sessions are refused until it is fixed. Returns whether this call marked it.
   */
  async markMisconfigured(
    app: ProviderAppRecord,
    failure: MicrosoftFailure,
    source: 'flow' | 'refresh',
  ): Promise<boolean> {
    return this.uow.run(async () => {
      const marked = await this.apps.markMisconfigured(app.projectId, app.id, {
        aadsts: failure.aadsts,
        error: failure.error,
        remediation: failure.remediation,
        checkedAt: new Date(this.clock()),
      });
      if (!marked) return false;
      const settingsUrl = this.settingsUrl(app.id);
      const flagged = await this.credentials.appMisconfigured(app.projectId, app.id, {
        aadsts: failure.aadsts,
        error: failure.error,
        remediation: failure.remediation,
        traceId: failure.traceId ?? null,
        correlationId: failure.correlationId ?? null,
        actionUrl: settingsUrl,
      });
      await this.events.append(app.projectId, null, 'app.misconfigured', {
        appId: app.id,
        aadsts: failure.aadsts,
        error: failure.error,
        traceId: failure.traceId ?? null,
        correlationId: failure.correlationId ?? null,
        remediation: failure.remediation,
        action: 'fix_app',
        actionUrl: settingsUrl,
        credentialsFlagged: flagged,
        source,
      });
      return true;
    });
  }

  /** Where the app's settings are changed: its resource in the API. */
  settingsUrl(appId: string): string {
    return `${this.config.publicUrl}/v1/apps/${appId}`;
  }

  /** Seals the app's credential, then runs `write` and stores the credential in one unit of work. */
  private async withSealedCredential<T>(
    projectId: string,
    appId: string,
    credential: StoredCredential,
    write: () => Promise<T>,
  ): Promise<T> {
    const scope = { projectId, tenantExternalId: null };
    return this.secrets.retryingStaleKeys(scope, async () => {
      const sealed = await this.secrets.seal(scope, APP_SECRET_REF(appId), JSON.stringify(credential));
      return this.uow.run(async () => {
        const result = await write();
        await this.secrets.store(sealed);
        return result;
      });
    });
  }
}
