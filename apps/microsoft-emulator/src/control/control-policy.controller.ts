import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put, UseFilters } from '@nestjs/common';
import { accessDenialSchema } from '../graph/auth/access-denials';
import { challengeClaims } from '../identity/claims-request';
import type { ConditionalAccessPolicy } from '../identity/conditional-access';
import { ControlErrorFilter, notFound } from './control.controller';
import { ControlService } from './control.service';
import { bulkUsersSchema, conditionalAccessPolicySchema, rotationSchema, tenantPatchSchema } from './control.schemas';

/** A policy as the control API shows it; a claims challenge also shows the `claims` the token endpoint sends. */
function policyView(policy: ConditionalAccessPolicy): Record<string, unknown> {
  return {
    id: policy.id,
    tenantId: policy.tenantId,
    users: policy.users,
    control: policy.control,
    ...(policy.control.kind === 'claimsChallenge'
      ? { claims: challengeClaims([policy.id]), satisfiedBy: [...policy.satisfiedBy] }
      : {}),
  };
}

/**
 * The control API's tenant-policy and benchmark side under /_emulator: the user consent setting,
 * Conditional Access policies, the refresh-token rotation fault and bulk seeding.
 */
@Controller('_emulator')
@UseFilters(ControlErrorFilter)
export class ControlPolicyController {
  constructor(@Inject(ControlService) private readonly control: ControlService) {}

  @Patch('tenants/:tenantId')
  updateTenant(@Param('tenantId') tenantId: string, @Body() body: unknown): unknown {
    return this.control.updateTenant(tenantId, tenantPatchSchema.parse(body));
  }

  /** Adds a Conditional Access policy (block, sign-in frequency or claims challenge) for all or some users of a tenant. */
  @Post('conditional-access/policies')
  addPolicy(@Body() body: unknown): unknown {
    const input = conditionalAccessPolicySchema.parse(body);
    return policyView(this.control.policies.add(input));
  }

  @Get('conditional-access/policies')
  policies(): unknown {
    return { value: this.control.policies.list().map(policyView) };
  }

  @Delete('conditional-access/policies/:id')
  @HttpCode(204)
  removePolicy(@Param('id') id: string): void {
    if (!this.control.policies.remove(id)) notFound('policy');
  }

  /** Graph refuses a user or an app (403 accessDenied, or 401) on one drive, one site or everything. */
  @Post('graph/access-denials')
  addAccessDenial(@Body() body: unknown): unknown {
    return this.control.accessDenials.add(accessDenialSchema.parse(body));
  }

  @Get('graph/access-denials')
  accessDenials(): unknown {
    return { value: this.control.accessDenials.list() };
  }

  @Delete('graph/access-denials/:id')
  @HttpCode(204)
  removeAccessDenial(@Param('id') id: string): void {
    if (!this.control.accessDenials.remove(id)) notFound('access denial');
  }

  @Get('refresh-tokens/rotation')
  rotation(): unknown {
    return { mode: this.control.refreshTokens.rotation };
  }

  /** `strict`: a refresh token stops working once a successor is issued (AADSTS70000). `microsoft`: the documented default. */
  @Put('refresh-tokens/rotation')
  setRotation(@Body() body: unknown): unknown {
    this.control.refreshTokens.rotation = rotationSchema.parse(body).mode;
    return { mode: this.control.refreshTokens.rotation };
  }

  /** Benchmark aid, not Microsoft behaviour: N users, their consents and refresh tokens in one call. */
  @Post('bulk/users')
  bulkUsers(@Body() body: unknown): unknown {
    return this.control.seedUsers(bulkUsersSchema.parse(body));
  }
}
