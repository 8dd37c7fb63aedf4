import { Module } from '@nestjs/common';
import { BusModule } from '../bus/bus.module';
import { RefreshModule } from '../refresh/refresh.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Prometheus metrics. */
@Module({
  imports: [BusModule, RefreshModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
