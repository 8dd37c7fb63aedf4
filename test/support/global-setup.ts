import fs from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import {
  buildPgliteTemplate,
  buildPostgresTemplate,
  dropPostgresTemplate,
  pgliteTemplatePath,
  postgresTemplateName,
} from './database-template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string | null;
    postgresTemplate: string | null;
  }
}

/** Vitest global setup of the "db" project: one migrated template per run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = postgresTemplateName();
    await buildPostgresTemplate(url, name);
    project.provide('pgliteTemplate', null);
    project.provide('postgresTemplate', name);
    return () => dropPostgresTemplate(url, name);
  }
  const file = pgliteTemplatePath();
  await buildPgliteTemplate(file);
  project.provide('pgliteTemplate', file);
  project.provide('postgresTemplate', null);
  return async () => {
    await fs.rm(file, { force: true });
  };
}
