import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BusModule } from '../bus/bus.module';
import { ReadinessController } from './readiness.controller';
import { ReadinessIndicators } from './readiness.indicators';

/** /healthz (the process is alive) and /readyz (ready to serve: database, keys, migrations, bus). */
@Module({
  // Failed checks are reported in the 503 body; terminus's own error log would only repeat it.
  imports: [TerminusModule.forRoot({ logger: false }), BusModule],
  controllers: [ReadinessController],
  providers: [ReadinessIndicators],
})
export class ReadinessModule {}
