import { Inject, Injectable } from '../common/nest-di';
import { createProjectSchema, updateProjectSchema } from '@authpipe/contract';
import type { z } from 'zod';
import { ApiError } from '../common/api-error';
import { IDS, type IdGenerator } from '../common/id-generator';
import { parseInput } from '../common/zod-validation.pipe';
import { ProjectsRepository, type ProjectRecord } from './projects.repository';

// Inputs of create and update: the contract's admin API schemas.
export { createProjectSchema, updateProjectSchema };

/** Creates and lists projects (used by the CLI; projects have no public HTTP API yet). */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  async create(input: z.input<typeof createProjectSchema>): Promise<ProjectRecord> {
    const { name } = parseInput(createProjectSchema, input);
    return this.projects.create({ id: this.ids.next('prj'), name });
  }

  async list(limit = 1000): Promise<ProjectRecord[]> {
    return this.projects.list({ limit });
  }

  /**
   * Changes the project's settings. `allowSharedDirectories` lets several of its tenants install
   * the same Microsoft directory; installations made meanwhile keep their directory claims.
   */
  async update(id: string, input: z.input<typeof updateProjectSchema>): Promise<ProjectRecord> {
    const settings = parseInput(updateProjectSchema, input);
    const project = await this.projects.update(id, settings);
    if (!project) throw ApiError.notFound('project_not_found', `No project with id ${id}.`);
    return project;
  }

  /** The project, or `project_not_found`. */
  async get(id: string): Promise<ProjectRecord> {
    const project = await this.projects.findById(id);
    if (!project) throw ApiError.notFound('project_not_found', `No project with id ${id}.`);
    return project;
  }
}
