import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { toTenantDto, type TenantDto, type TenantPageDto } from './tenant.dto';
import { TenantsRepository } from './tenants.repository';

/** The project's view of its tenants. */
@Injectable()
export class TenantsService {
  constructor(private readonly tenants: TenantsRepository) {}

  async list(projectId: string, query: { limit: number; cursor?: string }): Promise<TenantPageDto> {
    const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
    // One extra row tells whether another page exists without a count query.
    const rows = await this.tenants.list(projectId, { limit: query.limit + 1, after });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(toTenantDto),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.externalId) : null,
    };
  }

  /**
   * One tenant of the project. Another project's tenant gets the very same error as a
   * missing one, so tenant ids cannot be probed across projects.
   */
  async get(projectId: string, tenantId: string): Promise<TenantDto> {
    const tenant = await this.tenants.find(projectId, tenantId);
    if (!tenant) throw ApiError.notFound('tenant_not_found', 'No tenant with this id in the project.');
    return toTenantDto(tenant);
  }
}
