import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../../common/clock';
import { IDS, type IdGenerator } from '../../common/id-generator';
import { RANDOM, randomToken, type Random } from '../../common/random';
import { UnitOfWork } from '../../database/unit-of-work';
import { ConnectSessionsRepository, type ConnectSessionRecord } from '../sessions/connect-sessions.repository';
import { SecretsService } from '../../secrets/secrets.service';
import { hashBinding } from './browser-binding';
import { FlowFailure, FlowSuperseded } from '../flows/flow-failure';
import {
  OAUTH_STATE_SECRETS,
  OAuthStatesRepository,
  type OAuthStateKind,
  type OAuthStateRecord,
} from './oauth-states.repository';

/** How long a state stays usable: the issue's bound for one sign-in round trip. */
export const STATE_TTL_MS = 10 * 60_000;

const STATE_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const secretRef = (stateId: string, field: 'codeVerifier' | 'nonce') => ({
  recordType: OAUTH_STATE_SECRETS,
  recordId: stateId,
  field,
});

export interface IssueStateParams {
  session: ConnectSessionRecord;
  kind: OAuthStateKind;
  redirectUri: string;
  /** The browser's binding cookie value (only its hash is stored). */
  binding: string;
  /** PKCE verifier and nonce of a sign-in; encrypted with the tenant's key. */
  codeVerifier?: string;
  nonce?: string;
  /** admin_consent: the directory the admin's verified sign-in proved, and who signed in. */
  proven?: { directoryId: string; adminUpn: string | null };
  /** A new start: the session's other live attempts in this browser are set aside (superseded). */
  supersedeOthers?: boolean;
  /** The origin of the page that opened the popup, when known. */
  openerOrigin?: string | null;
}

/** A consumed state with everything its callback needs. Holds secrets: never log it. */
export interface TakenState {
  state: OAuthStateRecord;
  session: ConnectSessionRecord;
  codeVerifier: string | null;
  nonce: string | null;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * OAuth `state` values: single use, ten minutes, bound to one connect session and to the browser
 * that started the flow. Only hashes of the state, nonce and browser binding are stored.
 */
@Injectable()
export class FlowStatesService {
  constructor(
    private readonly states: OAuthStatesRepository,
    private readonly sessions: ConnectSessionsRepository,
    private readonly secrets: SecretsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: Random,
    @Inject(IDS) private readonly ids: IdGenerator,
    private readonly uow: UnitOfWork,
  ) {}

  /** Stores a new state for the session and returns its value (to put in the login URL). */
  async issue(params: IssueStateParams): Promise<string> {
    const { session } = params;
    const now = this.clock();
    const state = randomToken(this.random, 32);
    const id = this.ids.next('ost');
    const scope = { projectId: session.projectId, tenantExternalId: session.tenantExternalId };
    // The state row and its encrypted verifier and nonce commit together (sealed beforehand).
    const secrets: [string, string | undefined][] = [
      ['codeVerifier', params.codeVerifier],
      ['nonce', params.nonce],
    ];
    await this.secrets.retryingStaleKeys(scope, async () => {
      const sealed = await Promise.all(
        secrets
          .filter((entry): entry is [string, string] => entry[1] !== undefined)
          .map(([field, value]) => this.secrets.seal(scope, secretRef(id, field as 'codeVerifier' | 'nonce'), value)),
      );
      await this.uow.run(async () => {
        for (const secret of sealed) await this.secrets.store(secret);
        await this.states.create(
          session.projectId,
          session.tenantRowId,
          {
            id,
            sessionId: session.id,
            stateHash: sha256(state),
            kind: params.kind,
            nonceHash: params.nonce !== undefined ? sha256(params.nonce) : null,
            browserBindingHash: hashBinding(params.binding),
            redirectUri: params.redirectUri,
            directoryId: params.proven?.directoryId.toLowerCase() ?? null,
            adminUpn: params.proven?.adminUpn ?? null,
            openerOrigin: params.openerOrigin ?? null,
            expiresAt: new Date(now + STATE_TTL_MS),
          },
          new Date(now),
        );
        // One live attempt per (session, browser): the newest start wins, in the same transaction.
        if (params.supersedeOthers === true)
          await this.states.supersede(session.projectId, session.id, hashBinding(params.binding), id, new Date(now));
      });
    });
    return state;
  }

  /**
   * The step a state value belongs to, read without consuming it, so /oauth/callback can hand an
   * admin's sign-in and a user's sign-in to their own handlers; null for a value matching no
   * state (the handler's `take` then explains).
   */
  async kindOf(state: string | undefined): Promise<OAuthStateKind | null> {
    if (state === undefined || !STATE_SHAPE.test(state)) return null;
    return (await this.states.findByHash(sha256(state)))?.kind ?? null;
  }

  /**
   * Checks and consumes a state presented to a callback: it exists, is of this callback's kind,
   * was issued to this browser, is unused and unexpired; its session still exists. Consuming is
   * one conditional update, so a replay racing the first use loses.
   *
   * @throws FlowFailure state_missing, state_not_found, state_replayed, state_expired, state_browser_mismatch;
   *   FlowSuperseded when a newer start of the session in this browser replaced this attempt.
   */
  async take(state: string | undefined, kind: OAuthStateKind, binding: string | null): Promise<TakenState> {
    if (state === undefined || state === '')
      throw FlowFailure.of(
        400,
        'state_missing',
        'The sign-in reply carried no state, so it cannot be matched to a flow.',
      );
    const record = STATE_SHAPE.test(state) ? await this.states.findByHash(sha256(state)) : null;
    if (!record || record.kind !== kind)
      throw FlowFailure.of(400, 'state_not_found', 'The sign-in reply does not belong to any flow started here.');
    if (record.usedAt !== null) throw FlowFailure.of(400, 'state_replayed', 'This sign-in reply was already used.');
    const now = this.clock();
    if (record.expiresAt.getTime() <= now)
      throw FlowFailure.of(400, 'state_expired', 'The sign-in took longer than ten minutes and has expired.');
    if (binding === null || !timingSafeEqual(hashBinding(binding), record.browserBindingHash)) {
      throw FlowFailure.of(
        400,
        'state_browser_mismatch',
        'The sign-in reply reached another browser than the one that started the flow.',
      );
    }
    const session = await this.sessions.find(record.projectId, record.sessionId);
    if (!session)
      throw FlowFailure.of(400, 'state_not_found', 'The sign-in reply does not belong to any flow started here.');
    if (record.supersededAt !== null) throw new FlowSuperseded(session, record.openerOrigin);
    if (!(await this.states.markUsed(record.projectId, record.id, new Date(now)))) {
      // Lost to a replay, or to a newer start that set this attempt aside meanwhile.
      const again = await this.states.findByHash(sha256(state));
      if (again?.supersededAt != null && again.usedAt === null) throw new FlowSuperseded(session, record.openerOrigin);
      throw FlowFailure.of(400, 'state_replayed', 'This sign-in reply was already used.');
    }
    const scope = { projectId: session.projectId, tenantExternalId: session.tenantExternalId };
    const [verifier, nonce] = await Promise.all([
      this.secrets.get(scope, secretRef(record.id, 'codeVerifier')),
      this.secrets.get(scope, secretRef(record.id, 'nonce')),
    ]);
    // Single use: the verifier and nonce are of no use to anyone after this callback.
    await this.secrets.deleteRecord(scope, OAUTH_STATE_SECRETS, record.id);
    return {
      state: record,
      session,
      codeVerifier: verifier?.toString('utf8') ?? null,
      nonce: nonce?.toString('utf8') ?? null,
    };
  }
}
