import { Controller, ServiceUnavailableException } from '@nestjs/common';
import { ROUTES } from '@authpipe/contract';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApiError } from '../common/api-error';
import { Route } from '../common/route.decorator';
import { ReadinessIndicators } from './readiness.indicators';

/** Liveness and readiness probes for orchestrators. */
@Controller()
export class ReadinessController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: ReadinessIndicators,
  ) {}

  /** The process is up and serving HTTP; says nothing about its dependencies. */
  @Route(ROUTES.healthz)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready for traffic: 200, or 503 `not_ready` with each check's status in `details`. */
  @Route(ROUTES.readyz)
  async readyz(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.indicators.database(),
        () => this.indicators.masterKeys(),
        () => this.indicators.migrations(),
        () => this.indicators.bus(),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      throw new ApiError('not_ready', 'The vault is not ready to serve requests.', {
        remediation:
          'See details: start the database, configure the master keys, restart to apply migrations, or let the ' +
          'invalidation bus reconnect to PostgreSQL (it retries by itself).',
        details: error.getResponse(),
      });
    }
  }
}
