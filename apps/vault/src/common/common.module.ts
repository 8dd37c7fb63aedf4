import { Global, Module } from '@nestjs/common';
import { CLOCK, systemClock } from './clock';

/** Cross-cutting adapters every feature may inject (tests override them). */
@Global()
@Module({
  providers: [{ provide: CLOCK, useValue: systemClock }],
  exports: [CLOCK],
})
export class CommonModule {}
