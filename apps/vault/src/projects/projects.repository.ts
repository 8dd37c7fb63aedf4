import { Injectable } from '@nestjs/common';
import { PrismaClient } from '@authpipe/prisma';

/** A project row as the rest of the vault sees it. */
export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: Date;
}

/** Persistence of projects. The only place projects touch Prisma. */
@Injectable()
export class ProjectsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(project: { id: string; name: string }): Promise<ProjectRecord> {
    return this.prisma.project.create({ data: project, select: { id: true, name: true, createdAt: true } });
  }

  async findById(id: string): Promise<ProjectRecord | null> {
    return this.prisma.project.findUnique({ where: { id }, select: { id: true, name: true, createdAt: true } });
  }

  /** Projects in creation order, at most `limit` after the id `after`. */
  async list(page: { limit: number; after?: string }): Promise<ProjectRecord[]> {
    return this.prisma.project.findMany({
      where: page.after ? { id: { gt: page.after } } : undefined,
      orderBy: { id: 'asc' },
      take: page.limit,
      select: { id: true, name: true, createdAt: true },
    });
  }
}
