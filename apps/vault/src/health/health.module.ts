import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { ReadinessIndicators } from './readiness.indicators';

/** /healthz and /readyz. */
@Module({
  // Failed checks are reported in the 503 body; terminus's own error log would only repeat it.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ReadinessIndicators],
})
export class HealthModule {}
