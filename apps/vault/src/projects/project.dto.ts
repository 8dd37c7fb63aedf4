import type { ProjectDto } from '@authpipe/contract';
import type { ProjectRecord } from './projects.repository';

/** Public shape of a project (the contract's). */
export type { ProjectDto };

/** Allow-list mapper: only these fields ever leave the vault. */
export function toProjectDto(p: ProjectRecord): ProjectDto {
  return {
    id: p.id,
    name: p.name,
    allowSharedDirectories: p.allowSharedDirectories,
    createdAt: p.createdAt.toISOString(),
  };
}
