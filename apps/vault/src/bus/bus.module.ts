import { Module } from '@nestjs/common';
import { BUS_OPTIONS, DEFAULT_BUS_OPTIONS } from './bus.options';
import { BusRepository } from './bus.repository';
import { InvalidationBus } from './invalidation-bus';

/**
 * The invalidation bus. Imported by every feature that publishes or subscribes; Nest builds one
 * instance per application, so a process has one listening session. Needs the DatabaseModule and
 * the CommonModule (both global).
 */
@Module({
  providers: [{ provide: BUS_OPTIONS, useValue: DEFAULT_BUS_OPTIONS }, BusRepository, InvalidationBus],
  exports: [InvalidationBus],
})
export class BusModule {}
