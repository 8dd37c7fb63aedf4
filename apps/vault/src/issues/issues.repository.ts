import { Injectable } from '@nestjs/common';
import type { Prisma } from '@authpipe/prisma';
import { UnitOfWork } from '../database/unit-of-work';
import type { EventPayload } from '../events/events.types';

export type IssueStatus = 'open' | 'resolved';
export type IssueResolution = 'recovered' | 'superseded' | 'deleted';

export interface IssueRecord {
  id: string;
  projectId: string;
  tenantExternalId: string | null;
  subjectKind: string;
  subjectId: string;
  kind: string;
  status: IssueStatus;
  occurrences: number;
  details: EventPayload;
  firstEventId: string;
  lastEventId: string;
  openedAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  resolution: string | null;
}

export interface IssueFilter {
  status?: IssueStatus;
  tenantExternalId?: string;
  kind?: string;
  subjectId?: string;
}

/** What opens an issue or counts one more occurrence of it. */
export interface IssueSighting {
  tenant: { id: string | null; externalId: string | null };
  subject: { kind: string; id: string };
  kind: string;
  details: EventPayload;
  eventId: string;
  at: Date;
}

const openKeyOf = (subjectId: string, kind: string): string => `${subjectId}:${kind}`;

/** Issues of a project; every query takes the project first except the named system-scope count. */
@Injectable()
export class IssuesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Opens the issue, or counts one more occurrence of the open one; returns whether it was opened. */
  async sighted(projectId: string, sighting: IssueSighting, newId: () => string): Promise<boolean> {
    const openKey = openKeyOf(sighting.subject.id, sighting.kind);
    const details = sighting.details as Prisma.InputJsonValue;
    const touched = await this.uow.db.issue.updateMany({
      where: { projectId, openKey },
      data: { occurrences: { increment: 1 }, lastSeenAt: sighting.at, lastEventId: sighting.eventId, details },
    });
    if (touched.count > 0) return false;
    await this.uow.db.issue.create({
      data: {
        id: newId(),
        projectId,
        tenantId: sighting.tenant.id,
        tenantExternalId: sighting.tenant.externalId,
        subjectKind: sighting.subject.kind,
        subjectId: sighting.subject.id,
        kind: sighting.kind,
        status: 'open',
        openKey,
        details,
        firstEventId: sighting.eventId,
        lastEventId: sighting.eventId,
        openedAt: sighting.at,
        lastSeenAt: sighting.at,
      },
    });
    return true;
  }

  /**
   * Resolves the subject's open issues (of `kinds` only, or all but `except`, or all); returns
   * how many.
   */
  async resolve(
    projectId: string,
    subjectId: string,
    which: { kinds?: readonly string[]; except?: string },
    resolution: IssueResolution,
    eventId: string,
    at: Date,
  ): Promise<number> {
    const result = await this.uow.db.issue.updateMany({
      where: {
        projectId,
        subjectId,
        status: 'open',
        ...(which.kinds !== undefined ? { kind: { in: [...which.kinds] } } : {}),
        ...(which.except !== undefined ? { kind: { not: which.except } } : {}),
      },
      data: { status: 'resolved', openKey: null, resolvedAt: at, resolution, lastEventId: eventId },
    });
    return result.count;
  }

  async list(
    projectId: string,
    filter: IssueFilter,
    page: { limit: number; afterId?: string },
  ): Promise<IssueRecord[]> {
    const rows = await this.uow.db.issue.findMany({
      where: {
        projectId,
        ...(filter.status !== undefined ? { status: filter.status } : {}),
        ...(filter.tenantExternalId !== undefined ? { tenantExternalId: filter.tenantExternalId } : {}),
        ...(filter.kind !== undefined ? { kind: filter.kind } : {}),
        ...(filter.subjectId !== undefined ? { subjectId: filter.subjectId } : {}),
        ...(page.afterId !== undefined ? { id: { gt: page.afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: page.limit,
    });
    return rows.map((row) => ({
      id: row.id,
      projectId: row.projectId,
      tenantExternalId: row.tenantExternalId,
      subjectKind: row.subjectKind,
      subjectId: row.subjectId,
      kind: row.kind,
      status: row.status as IssueStatus,
      occurrences: row.occurrences,
      details: row.details as EventPayload,
      firstEventId: row.firstEventId,
      lastEventId: row.lastEventId,
      openedAt: row.openedAt,
      lastSeenAt: row.lastSeenAt,
      resolvedAt: row.resolvedAt,
      resolution: row.resolution,
    }));
  }

  /** System scope, for the metrics: open issues of every project, counted by kind. */
  async countOpenByKindAcrossProjects(): Promise<{ kind: string; count: number }[]> {
    const rows = await this.uow.db.issue.groupBy({ by: ['kind'], where: { status: 'open' }, _count: { _all: true } });
    return rows.map((row) => ({ kind: row.kind, count: row._count._all }));
  }
}
