import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { ACCESS_TOKEN_VERIFIER, DIRECTORY_STORE, EMULATOR_CLOCK } from './directory/contracts';
import { GraphModule } from './graph/graph.module';
import type { EmulatorContext } from './emulator.context';
import { identityControllers, controlControllers } from './emulator.routes';
import { EMULATOR_HOME } from './home/home.controller';

/**
 * The emulator's root module. Everything stateful is made once by `startEmulator` and handed in
 * as values, so tests and the control API reach the very objects the routes use.
 * DIRECTORY_STORE, ACCESS_TOKEN_VERIFIER and EMULATOR_CLOCK are global for the Graph module.
 */
@Module({})
export class EmulatorModule {
  static forRoot(context: EmulatorContext): DynamicModule {
    const services: Provider[] = Object.values(context.services).map((instance: object) => ({
      provide: instance.constructor as Type<unknown>,
      useValue: instance,
    }));
    const providers: Provider[] = [
      { provide: DIRECTORY_STORE, useValue: context.store },
      { provide: ACCESS_TOKEN_VERIFIER, useValue: context.verifier },
      { provide: EMULATOR_CLOCK, useValue: context.clock },
      { provide: EMULATOR_HOME, useValue: { controlApi: context.controlApi } },
      ...services,
    ];
    return {
      module: EmulatorModule,
      global: true,
      imports: [GraphModule],
      controllers: [...identityControllers, ...(context.controlApi ? controlControllers : [])],
      providers,
      exports: providers,
    };
  }
}
