import type { ProjectRecord } from './projects.repository';

/** Public shape of a project. */
export interface ProjectDto {
  id: string;
  name: string;
  /** Several tenants may install the same Microsoft directory. */
  allowSharedDirectories: boolean;
  createdAt: string;
}

/** Allow-list mapper: only these fields ever leave the vault. */
export function toProjectDto(p: ProjectRecord): ProjectDto {
  return {
    id: p.id,
    name: p.name,
    allowSharedDirectories: p.allowSharedDirectories,
    createdAt: p.createdAt.toISOString(),
  };
}
