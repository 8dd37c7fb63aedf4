import fs from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { buildPgliteTemplate, buildPostgresTemplate, pgliteTemplatePath } from './database-template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string | null;
  }
}

/** Vitest global setup of the "db" project: one migrated template per run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url) {
    await buildPostgresTemplate(url);
    project.provide('pgliteTemplate', null);
    return () => Promise.resolve();
  }
  const file = pgliteTemplatePath();
  await buildPgliteTemplate(file);
  project.provide('pgliteTemplate', file);
  return async () => {
    await fs.rm(file, { force: true });
  };
}
