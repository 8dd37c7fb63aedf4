import type { Type } from '@nestjs/common';
import { ControlController } from './control/control.controller';
import { ControlPolicyController } from './control/control-policy.controller';
import { HomeController } from './home/home.controller';
import { AuthorizeController } from './identity/authorize.controller';
import { DiscoveryController } from './identity/discovery.controller';
import { TokenController } from './identity/token.controller';

/** Controllers of the identity platform side (and the root page). */
export const identityControllers: Type<unknown>[] = [
  HomeController,
  DiscoveryController,
  AuthorizeController,
  TokenController,
];

/** Controllers of the control API, mounted only when it is enabled. */
export const controlControllers: Type<unknown>[] = [ControlController, ControlPolicyController];
