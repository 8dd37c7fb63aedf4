import type { OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable, Logger } from '../common/nest-di';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { InvalidationBus } from '../bus/invalidation-bus';
import { ApiError } from '../common/api-error';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';
import { RANDOM, type Random } from '../common/random';
import { parseInput } from '../common/zod-validation.pipe';
import { UnitOfWork } from '../database/unit-of-work';
import { ProjectsService } from '../projects/projects.service';
import { digestMatches, generateApiKey, hashApiKeySecret, lastFourOf } from './api-key-format';
import { forgetPresented, presentedKey, rememberAuthenticated, type PresentedKey } from './presented-key';
import { toApiKeyDto, type ApiKeyDto, type CreatedApiKeyDto } from './api-key.dto';
import { ApiKeysRepository } from './api-keys.repository';

/** Who is calling, once a key is verified. */
export interface AuthenticatedProject {
  projectId: string;
  apiKeyId: string;
}

export const createApiKeySchema = z.object({ name: z.string().trim().min(1).max(200).default('default') });

interface CachedKey {
  id: string;
  projectId: string;
  revoked: boolean;
  secretHash: Uint8Array;
  /** The caller every request with this key is (frozen): one object, not one per request. */
  caller: Readonly<AuthenticatedProject>;
  /** When it was read from the database (the injected clock): reused for {@link KEY_CACHE_TTL_MS}. */
  readAt: number;
}

/**
 * How long a verified key row is reused without reading the database. Creation and revocation
 * by any replica (or the CLI) evict the key through the invalidation bus when they commit; this
 * TTL only bounds a change the bus did not carry (a row edited by hand in SQL).
 */
const KEY_CACHE_TTL_MS = 10_000;
/** How long an unknown public id is answered without reading the database (the bus drops it sooner). */
const UNKNOWN_KEY_TTL_MS = 60_000;
/** `lastUsedAt` is written at most this often per key, off the request's path. */
const LAST_USED_EVERY_MS = 60_000;

// One message for every invalid key, so a caller cannot tell an unknown public id from a
// wrong secret or a bad checksum.
const INVALID_KEY = new ApiError('invalid_api_key', 'The API key is not valid.', {
  remediation:
    'Send a secret key of your project as `Authorization: Bearer ap_sk_...`; create one with `npx authpipe key create`.',
});

/** API keys: creation (shown once), listing, revocation, and verification for the guard. */
@Injectable()
export class ApiKeysService implements OnModuleDestroy {
  private readonly logger = new Logger(ApiKeysService.name);
  /**
   * Verified key rows by public id, each reused until {@link KEY_CACHE_TTL_MS} after it was read
   * ({@link cachedRow}, on the injected clock, so tests can step over it). The age is checked here
   * rather than by lru-cache's TTL, which reads the clock on every get: the warm getCredential
   * lane reads it once for everything it does, and on this kind of VM each reading costs ~65 ns.
   */
  private readonly keys = new LRUCache<string, CachedKey>({ max: 10_000 });
  /**
   * Public ids the database does not know, so a client retrying a wrong key (or a flood of one)
   * costs no query. Creating a key drops its id here through the bus, like the positive cache.
   */
  private readonly unknown = new LRUCache<string, true>({
    max: 10_000,
    ttl: UNKNOWN_KEY_TTL_MS,
    perf: { now: () => this.clock() },
    ttlResolution: 0,
  });
  private readonly touched = new LRUCache<string, number>({ max: 10_000 });
  /**
   * Bumped by every invalidation: a lookup that read the database before a change committed must
   * not cache what it read once the change's message has dropped the entry.
   */
  private generation = 0;
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly projects: ProjectsService,
    private readonly uow: UnitOfWork,
    private readonly bus: InvalidationBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: Random,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {
    // Every replica (this one at commit) drops the key when it is created or revoked, from both
    // caches: a new key must be accepted on its first request, even right after a miss.
    this.unsubscribe = [
      bus.subscribe('api_key.changed', ({ publicId }) => {
        this.generation++;
        this.keys.delete(publicId);
        this.unknown.delete(publicId);
        forgetPresented(publicId);
      }),
      bus.onReset(() => {
        this.generation++;
        this.keys.clear();
        this.unknown.clear();
        forgetPresented();
      }),
    ];
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe) off();
  }

  /** Creates a key; the returned `secretKey` is never stored nor shown again. */
  async create(projectId: string, input: z.input<typeof createApiKeySchema> = {}): Promise<CreatedApiKeyDto> {
    const { name } = parseInput(createApiKeySchema, input);
    await this.projects.get(projectId);
    const key = generateApiKey(this.random);
    const record = await this.uow.run(async () => {
      const created = await this.repository.create(projectId, {
        id: this.ids.next('key'),
        publicId: key.publicId,
        secretHash: hashApiKeySecret(key),
        name,
        lastFour: lastFourOf(key.text),
      });
      await this.bus.publish({ type: 'api_key.changed', publicId: key.publicId });
      return created;
    });
    return { ...toApiKeyDto(record), secretKey: key.text };
  }

  async list(projectId: string): Promise<ApiKeyDto[]> {
    await this.projects.get(projectId);
    return (await this.repository.list(projectId)).map(toApiKeyDto);
  }

  /**
   * Revokes a key of the project (by id or public id); idempotent. Every replica refuses the key
   * once the revocation commits (this one before this call returns).
   */
  async revoke(projectId: string, keyId: string): Promise<ApiKeyDto> {
    const found = await this.repository.find(projectId, keyId);
    if (!found) throw ApiError.notFound('api_key_not_found', `No API key ${keyId} in project ${projectId}.`);
    await this.uow.run(async () => {
      await this.repository.revoke(projectId, found.id, new Date(this.clock()));
      await this.bus.publish({ type: 'api_key.changed', publicId: found.publicId });
    });
    return toApiKeyDto((await this.repository.find(projectId, found.id)) ?? found);
  }

  /**
   * Verifies an `Authorization` header value; throws a 401 {@link ApiError} otherwise. `presented`
   * is that value already parsed and hashed, when a route has it ({@link presentedKeyOf}: the
   * per-key rate limit hashed it for its bucket), so a request pays for one SHA-256, not two.
   */
  async authenticate(
    authorization: string | undefined,
    presented: PresentedKey | null = presentedKey(authorization),
  ): Promise<AuthenticatedProject> {
    if (!authorization) {
      throw new ApiError('missing_api_key', 'An API key is required.', {
        remediation: 'Send `Authorization: Bearer <your project secret key>`.',
      });
    }
    const parsed = presented?.parsed ?? null;
    if (presented === null || parsed === null) throw INVALID_KEY;
    const row = await this.lookup(parsed.publicId);
    // Unknown ids still pay for a comparison, so timing does not tell them apart.
    if (!digestMatches(presented.digest, row?.secretHash ?? UNKNOWN_HASH) || !row) throw INVALID_KEY;
    if (row.revoked) {
      throw new ApiError('revoked_api_key', 'The API key was revoked.', {
        remediation: 'Use another key of the project, or create one with `npx authpipe key create`.',
      });
    }
    return this.accepted(row, authorization, presented);
  }

  /**
   * {@link authenticate}'s acceptance when memory alone decides it: the caller when the key is
   * well-formed, its row cached, its digest matching and the key not revoked; otherwise null, and
   * {@link authenticate} answers (the same refusals, the database on a cache miss). For
   * getCredential's warm read, which is then answered without a promise.
   */
  authenticatedFromMemory(
    authorization: string | undefined,
    presented: PresentedKey | null,
    now = this.clock(),
  ): AuthenticatedProject | null {
    if (!authorization || !presented?.parsed) return null;
    const row = this.cachedRow(presented.parsed.publicId, now);
    if (row === undefined || row.revoked || !digestMatches(presented.digest, row.secretHash)) return null;
    return this.accepted(row, authorization, presented, now);
  }

  /** `now`: the clock's, when the caller read it already. */
  private accepted(
    row: CachedKey,
    authorization: string,
    presented: PresentedKey,
    now = this.clock(),
  ): AuthenticatedProject {
    this.noteUse(row, now);
    rememberAuthenticated(authorization, presented);
    return row.caller;
  }

  /** The cached row of `publicId` while it is young enough to be reused at `now`. */
  private cachedRow(publicId: string, now: number): CachedKey | undefined {
    const row = this.keys.get(publicId);
    if (row === undefined || now - row.readAt <= KEY_CACHE_TTL_MS) return row;
    this.keys.delete(publicId);
    return undefined;
  }

  private async lookup(publicId: string): Promise<CachedKey | null> {
    const cached = this.cachedRow(publicId, this.clock());
    if (cached) return cached;
    if (this.unknown.has(publicId)) return null;
    const generation = this.generation;
    const row = await this.repository.findForAuthentication(publicId);
    if (!row) {
      // Not when a key change arrived meanwhile: it may be this very key's creation.
      if (generation === this.generation) this.unknown.set(publicId, true);
      return null;
    }
    const entry: CachedKey = {
      id: row.id,
      projectId: row.projectId,
      revoked: row.revokedAt !== null,
      secretHash: row.secretHash,
      caller: Object.freeze({ projectId: row.projectId, apiKeyId: row.id }),
      readAt: this.clock(),
    };
    if (generation === this.generation) this.keys.set(publicId, entry);
    return entry;
  }

  private noteUse(key: CachedKey, now: number): void {
    const last = this.touched.get(key.id);
    if (last !== undefined && now - last < LAST_USED_EVERY_MS) return;
    this.touched.set(key.id, now);
    // Not awaited: bookkeeping must not slow down or fail the request.
    this.repository.touchLastUsed(key.projectId, key.id, new Date(now)).catch((err: unknown) => {
      this.logger.warn({ err, apiKeyId: key.id }, 'Could not record API key use');
    });
  }
}

const UNKNOWN_HASH = new Uint8Array(32);
