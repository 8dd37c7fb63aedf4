import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CLOCK, systemClock, type Clock } from './clock';
import { IDS, IdGenerator } from './id-generator';
import { RANDOM, cryptoRandom, type Random } from './random';
import { REPLICA_ID, newReplicaId } from './replica';

/** The seams `createVaultApp` accepts; production takes the defaults. */
export interface Seams {
  /** Epoch milliseconds; default `Date.now`. */
  clock?: Clock;
  /** Default: Node's CSPRNG. */
  random?: Random;
  /** Default: host, pid and a random suffix. */
  replicaId?: string;
}

/**
 * The side effects every feature shares, injected so tests control them: the clock (CLOCK), the
 * randomness (RANDOM), the one id generator (IDS) and this process's replica id (REPLICA_ID).
 */
@Global()
@Module({})
export class CommonModule {
  static forRoot(seams: Seams = {}): DynamicModule {
    const clock = seams.clock ?? systemClock;
    const random = seams.random ?? cryptoRandom;
    return {
      module: CommonModule,
      providers: [
        { provide: CLOCK, useValue: clock },
        { provide: RANDOM, useValue: random },
        { provide: IDS, useValue: new IdGenerator(clock, random) },
        { provide: REPLICA_ID, useValue: seams.replicaId ?? newReplicaId(random) },
      ],
      exports: [CLOCK, RANDOM, IDS, REPLICA_ID],
    };
  }
}
