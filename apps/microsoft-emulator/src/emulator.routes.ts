import type { Type } from '@nestjs/common';

/** Controllers of the identity platform side. */
export const identityControllers: Type<unknown>[] = [];

/** Controllers of the control API, mounted only when it is enabled. */
export const controlControllers: Type<unknown>[] = [];
