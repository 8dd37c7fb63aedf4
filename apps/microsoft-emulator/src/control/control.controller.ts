import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Param,
  Patch,
  Post,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
  Catch,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z, ZodError } from 'zod';
import { EMULATOR_CLOCK } from '../directory/contracts';
import type { ControllableClock } from '../clock/controllable-clock';
import { DirectoryObjectNotFoundError } from '../directory/in-memory-directory.store';
import { BulkSeedConflictError } from './bulk-seed';
import { ControlService } from './control.service';
import { faultRuleSchema } from './faults';
import {
  adminConsentSchema,
  advanceClockSchema,
  newAppSchema,
  newCertificateSchema,
  newSecretSchema,
  newTenantSchema,
  newUserSchema,
  userPatchSchema,
} from './control.schemas';

/** Maps validation, lookup and conflict failures to `{error: {code, message}}` with 400/404/409. */
@Catch(ZodError, DirectoryObjectNotFoundError, BulkSeedConflictError)
export class ControlErrorFilter implements ExceptionFilter {
  catch(error: ZodError | DirectoryObjectNotFoundError | BulkSeedConflictError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof ZodError) {
      void reply.code(400).send({ error: { code: 'invalid_request', message: z.prettifyError(error) } });
      return;
    }
    if (error instanceof BulkSeedConflictError) {
      void reply.code(409).send({ error: { code: 'conflict', message: error.message } });
      return;
    }
    void reply.code(404).send({ error: { code: 'not_found', message: error.message } });
  }
}

export function notFound(what: string): never {
  throw new HttpException({ error: { code: 'not_found', message: `${what} not found` } }, 404);
}

/**
 * The control API under /_emulator, mounted only when enabled: directory changes, consents,
 * clock, faults, the request log and reset. Secret values appear only in the reply that creates them.
 */
@Controller('_emulator')
@UseFilters(ControlErrorFilter)
export class ControlController {
  constructor(
    @Inject(ControlService) private readonly control: ControlService,
    @Inject(EMULATOR_CLOCK) private readonly clock: ControllableClock,
  ) {}

  @Get('directory')
  directory(): unknown {
    return this.control.directorySummary();
  }

  @Post('tenants')
  addTenant(@Body() body: unknown): unknown {
    return this.control.addTenant(newTenantSchema.parse(body));
  }

  @Post('users')
  addUser(@Body() body: unknown): unknown {
    return this.control.addUser(newUserSchema.parse(body));
  }

  @Patch('users/:tenantId/:userId')
  updateUser(@Param('tenantId') tenantId: string, @Param('userId') userId: string, @Body() body: unknown): unknown {
    return this.control.updateUser(tenantId, userId, userPatchSchema.parse(body));
  }

  /** Revokes the user's refresh tokens (Graph's revokeSignInSessions): the next refresh fails with AADSTS50173. */
  @Post('users/:tenantId/:userId/revoke')
  @HttpCode(200)
  revoke(@Param('tenantId') tenantId: string, @Param('userId') userId: string): unknown {
    return this.control.revoke(tenantId, userId);
  }

  @Post('apps')
  addApp(@Body() body: unknown): unknown {
    return this.control.addApp(newAppSchema.parse(body));
  }

  @Post('apps/:clientId/secrets')
  addSecret(@Param('clientId') clientId: string, @Body() body: unknown): unknown {
    return this.control.addSecret(clientId, newSecretSchema.parse(body ?? {}).expiresInSeconds);
  }

  /** Makes the secret expired now: client credentials with it fail with AADSTS7000222. */
  @Post('apps/:clientId/secrets/:secretId/expire')
  @HttpCode(200)
  expireSecret(@Param('clientId') clientId: string, @Param('secretId') secretId: string): unknown {
    return this.control.expireSecret(clientId, secretId);
  }

  /** Adds a new secret and removes the old one; the reply holds the new value. */
  @Post('apps/:clientId/secrets/:secretId/rotate')
  @HttpCode(200)
  rotateSecret(@Param('clientId') clientId: string, @Param('secretId') secretId: string): unknown {
    return this.control.rotateSecret(clientId, secretId);
  }

  @Delete('apps/:clientId/secrets/:secretId')
  @HttpCode(204)
  removeSecret(@Param('clientId') clientId: string, @Param('secretId') secretId: string): void {
    this.control.removeSecret(clientId, secretId);
  }

  @Post('apps/:clientId/certificates')
  addCertificate(@Param('clientId') clientId: string, @Body() body: unknown): unknown {
    return this.control.addCertificate(clientId, newCertificateSchema.parse(body).certificatePem);
  }

  @Post('consents/admin')
  grantAdminConsent(@Body() body: unknown): unknown {
    return this.control.grantAdminConsent(adminConsentSchema.parse(body));
  }

  @Delete('consents/admin/:tenantId/:clientId')
  @HttpCode(204)
  removeAdminConsent(@Param('tenantId') tenantId: string, @Param('clientId') clientId: string): void {
    if (!this.control.removeAdminConsent(tenantId, clientId)) notFound('admin consent');
  }

  /** Removes a user's consent: the next refresh fails with AADSTS65001. */
  @Delete('consents/users/:tenantId/:userId/:clientId')
  @HttpCode(204)
  removeUserConsent(
    @Param('tenantId') tenantId: string,
    @Param('userId') userId: string,
    @Param('clientId') clientId: string,
  ): void {
    if (!this.control.removeUserConsent(tenantId, userId, clientId)) notFound('user consent');
  }

  @Get('clock')
  now(): unknown {
    return { now: this.clock.now().toISOString() };
  }

  @Post('clock/advance')
  @HttpCode(200)
  advance(@Body() body: unknown): unknown {
    return { now: this.clock.advance(advanceClockSchema.parse(body).seconds * 1000).toISOString() };
  }

  @Post('faults')
  addFault(@Body() body: unknown): unknown {
    return this.control.faults.add(faultRuleSchema.parse(body));
  }

  @Get('faults')
  faults(): unknown {
    return { value: this.control.faults.list() };
  }

  @Delete('faults')
  @HttpCode(204)
  clearFaults(): void {
    this.control.faults.clear();
  }

  @Get('requests')
  requests(): unknown {
    return { value: this.control.requestLog.list() };
  }

  @Delete('requests')
  @HttpCode(204)
  clearRequests(): void {
    this.control.requestLog.clear();
  }

  /** Back to the seeded directory, real time, no faults, no grants, an empty log. */
  @Post('reset')
  @HttpCode(204)
  reset(): void {
    this.control.reset();
  }
}
