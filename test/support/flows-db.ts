// One set-up for the db specs of the flow services (apps, connect sessions, installations,
// connections, events): a test database of their own, the flow modules over it, projects and apps.
import { afterAll, beforeAll } from 'vitest';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { AppsService } from '../../apps/vault/src/apps/apps.service';
import { ApiError } from '../../apps/vault/src/common/api-error';
import type { MicrosoftConfig } from '../../apps/vault/src/config/config.schema';
import { createFlowsHarness, insertProject, type FlowsHarness, type TestClock } from '../flows/flows-harness';
import { createTestDatabase, type TestDatabase } from './test-database';

/** A client id of no real app: the services never call Microsoft in these specs. */
export const TEST_CLIENT_ID = '11111111-2222-4333-8444-555555555555';

/** POST /v1/apps body of a minimal app with a secret and one allowed origin. */
export const TEST_APP = {
  name: 'app',
  clientId: TEST_CLIENT_ID,
  credential: { type: 'secret', secret: 'sandbox-secret-value-123' },
  allowedOrigins: ['https://app.example.com'],
};

export interface FlowsDb {
  readonly db: TestDatabase;
  readonly harness: FlowsHarness;
  readonly clock: TestClock;
  /** Ids of the apps created, in the order of `apps`. */
  readonly appIds: string[];
  /** A provider of the flow modules. */
  get<T>(token: abstract new (...args: never[]) => T): T;
  /** The Nest context, for `select`/strict-less lookups. */
  readonly module: INestApplicationContext;
}

/**
 * Registers beforeAll/afterAll hooks that open the database, start the flow modules, insert
 * `projects` and create one {@link TEST_APP} per entry of `apps` (a project id, repeatable).
 * Call it in a describe body; read the fields inside tests and hooks.
 */
export function useFlowsDb(options: {
  projects: string[];
  apps?: string[];
  microsoft?: () => Partial<MicrosoftConfig>;
  /** Feature modules beyond the flows foundation (e.g. OAuthModule). */
  modules?: Type[];
}): FlowsDb {
  let db: TestDatabase | undefined;
  let harness: FlowsHarness | undefined;
  const appIds: string[] = [];
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useFlowsDb: read in a test or hook, after set-up');
    return value;
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    harness = await createFlowsHarness(db, { microsoft: options.microsoft?.(), modules: options.modules });
    for (const project of options.projects) await insertProject(db, project);
    const apps = harness.module.get(AppsService);
    for (const project of options.apps ?? []) appIds.push((await apps.create(project, TEST_APP)).id);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
    await db?.close();
  });
  return {
    get db() {
      return ready(db);
    },
    get harness() {
      return ready(harness);
    },
    get clock() {
      return ready(harness).clock;
    },
    get module() {
      return ready(harness).module;
    },
    appIds,
    get: (token) => ready(harness).module.get(token),
  };
}

/** The ApiError a promise rejects with; fails the test when it resolves or throws something else. */
export async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an API error, got ${String(error)}`);
  return error;
}
