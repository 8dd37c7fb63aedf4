import { Injectable } from '../common/nest-di';
import { PrismaClient } from '@authpipe/prisma';

/** A project row as the rest of the vault sees it. */
export interface ProjectRecord {
  id: string;
  name: string;
  /** Several tenants may install the same Microsoft directory (off by default). */
  allowSharedDirectories: boolean;
  createdAt: Date;
}

/** Project settings an operator may change. */
export interface ProjectSettings {
  allowSharedDirectories?: boolean;
}

const columns = { id: true, name: true, allowSharedDirectories: true, createdAt: true } as const;

/** Persistence of projects. The only place projects touch Prisma. */
@Injectable()
export class ProjectsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(project: { id: string; name: string }): Promise<ProjectRecord> {
    return this.prisma.project.create({ data: project, select: columns });
  }

  async findById(id: string): Promise<ProjectRecord | null> {
    return this.prisma.project.findUnique({ where: { id }, select: columns });
  }

  /** Applies `settings`; null when the project does not exist. */
  async update(id: string, settings: ProjectSettings): Promise<ProjectRecord | null> {
    const { count } = await this.prisma.project.updateMany({ where: { id }, data: settings });
    return count === 1 ? this.findById(id) : null;
  }

  /** Projects in creation order, at most `limit` after the id `after`. */
  async list(page: { limit: number; after?: string }): Promise<ProjectRecord[]> {
    return this.prisma.project.findMany({
      where: page.after ? { id: { gt: page.after } } : undefined,
      orderBy: { id: 'asc' },
      take: page.limit,
      select: columns,
    });
  }
}
