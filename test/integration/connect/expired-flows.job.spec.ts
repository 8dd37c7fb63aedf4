import { beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../../apps/vault/src/common/random';
import { ConnectSessionsService } from '../../../apps/vault/src/connect/sessions/connect-sessions.service';
import { newBindingValue } from '../../../apps/vault/src/connect/states/browser-binding';
import { EXPIRED_FLOWS_GRACE_MS, ExpiredFlowsJob } from '../../../apps/vault/src/connect/states/expired-flows.job';
import { FlowStatesService } from '../../../apps/vault/src/connect/states/flow-states.service';
import { aProject, anOfflineApp } from '@test/support/builders';
import { PUBLIC_URL, useTestVault } from '@test/support/test-vault';

const MINUTE = 60_000;

describe(ExpiredFlowsJob.name, () => {
  const vault = useTestVault();
  let job: ExpiredFlowsJob;
  let projectId: string;

  beforeAll(async () => {
    job = vault.get(ExpiredFlowsJob);
    projectId = (await aProject(vault, 'purge job')).projectId;
    await anOfflineApp(vault, projectId);
  });

  /** A user-flow session living `seconds`, with one state holding an encrypted verifier and nonce. */
  async function sessionWithState(seconds: number): Promise<{ sessionId: string; stateId: string }> {
    const sessions = vault.get(ConnectSessionsService);
    const { token } = await sessions.create(projectId, {
      tenantId: 'org_purge',
      userId: 'user_1',
      credentialFor: 'user',
      provider: 'microsoft-onedrive',
      expiresInSeconds: seconds,
    });
    const session = await sessions.verify(token);
    await vault.get(FlowStatesService).issue({
      session,
      kind: 'authorize',
      redirectUri: `${PUBLIC_URL}/oauth/callback`,
      binding: newBindingValue(cryptoRandom),
      codeVerifier: 'verifier-canary-0123456789012345678901234567890123',
      nonce: 'nonce-canary',
    });
    const [state] = await vault.db.query<{ id: string }>(`SELECT id FROM oauth_states WHERE session_id = $1`, [
      session.id,
    ]);
    return { sessionId: session.id, stateId: state.id };
  }

  const left = async (sessionId: string, stateId: string) => ({
    session: (await vault.db.query(`SELECT 1 FROM connect_sessions WHERE id = $1`, [sessionId])).length,
    state: (await vault.db.query(`SELECT 1 FROM oauth_states WHERE id = $1`, [stateId])).length,
    secrets: (
      await vault.db.query(`SELECT 1 FROM secrets WHERE record_type = 'oauth_state' AND record_id = $1`, [stateId])
    ).length,
  });

  it('purges sessions and states past the grace with their encrypted verifier and nonce, keeping live ones', async () => {
    const short = await sessionWithState(60);
    const long = await sessionWithState(30 * 60);
    expect(await left(short.sessionId, short.stateId)).toEqual({ session: 1, state: 1, secrets: 2 });

    // Within the grace nothing goes, so a late browser still hears "expired".
    vault.clock.advance(2 * MINUTE);
    expect(await job.run()).toEqual({ states: 0, sessions: 0 });

    // The short session is past the grace: its state goes with it although the state itself is not.
    vault.clock.advance(EXPIRED_FLOWS_GRACE_MS);
    expect(await job.run()).toEqual({ states: 1, sessions: 1 });
    expect(await left(short.sessionId, short.stateId)).toEqual({ session: 0, state: 0, secrets: 0 });
    expect(await left(long.sessionId, long.stateId)).toEqual({ session: 1, state: 1, secrets: 2 });

    // The long session's state (ten minutes) is past the grace before its session (thirty).
    vault.clock.advance(9 * MINUTE);
    expect(await job.run()).toEqual({ states: 1, sessions: 0 });
    expect(await left(long.sessionId, long.stateId)).toEqual({ session: 1, state: 0, secrets: 0 });

    vault.clock.advance(20 * MINUTE);
    expect(await job.run()).toEqual({ states: 0, sessions: 1 });
    expect(await left(long.sessionId, long.stateId)).toEqual({ session: 0, state: 0, secrets: 0 });
  });

  it('never purges a session before its states, so no state secret is left without its row', async () => {
    const made = await sessionWithState(60);
    vault.clock.advance(2 * MINUTE + EXPIRED_FLOWS_GRACE_MS);
    expect(await vault.get(ConnectSessionsService).purgeExpired(EXPIRED_FLOWS_GRACE_MS)).toBe(0);
    expect(await left(made.sessionId, made.stateId)).toEqual({ session: 1, state: 1, secrets: 2 });
    expect(await job.run()).toEqual({ states: 1, sessions: 1 });
    expect(await left(made.sessionId, made.stateId)).toEqual({ session: 0, state: 0, secrets: 0 });
  });

  it('lets runs overlap (as on several replicas): each row is deleted once and no run fails', async () => {
    const flowsMade = [];
    for (let i = 0; i < 4; i++) flowsMade.push(await sessionWithState(60));
    vault.clock.advance(2 * MINUTE + EXPIRED_FLOWS_GRACE_MS);
    const results = await Promise.all([job.run(), job.run(), job.run()]);
    expect(results.reduce((sum, r) => sum + r.sessions, 0)).toBe(4);
    expect(results.reduce((sum, r) => sum + r.states, 0)).toBe(4);
    for (const made of flowsMade) {
      expect(await left(made.sessionId, made.stateId)).toEqual({ session: 0, state: 0, secrets: 0 });
    }
    expect(await job.run()).toEqual({ states: 0, sessions: 0 });
  });
});
