import 'reflect-metadata';
import { type Type } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { EmulatorModule } from './emulator.module';
import { controlControllers, identityControllers } from './emulator.routes';
import { GraphModule } from './graph/graph.module';

// Where @Inject(...) records a constructor dependency by hand (Nest's SELF_DECLARED_DEPS_METADATA).
const DECLARED = 'self:paramtypes';

/** Classes Nest builds itself (class providers and controllers), as opposed to values and factories. */
function constructedBy(module: Type<unknown>): Type<unknown>[] {
  const providers = (Reflect.getMetadata('providers', module) ?? []) as unknown[];
  const controllers = (Reflect.getMetadata('controllers', module) ?? []) as Type<unknown>[];
  return [...providers.filter((p): p is Type<unknown> => typeof p === 'function'), ...controllers];
}

function undeclared(cls: Type<unknown>): number[] {
  const declared = (Reflect.getMetadata(DECLARED, cls) ?? []) as { index: number }[];
  const indexes = new Set(declared.map((d) => d.index));
  return Array.from({ length: cls.length }, (_, i) => i).filter((i) => !indexes.has(i));
}

describe(EmulatorModule.name, () => {
  it('names every constructor dependency with @Inject, so it starts without emitted decorator metadata (tsx)', () => {
    const classes = [...constructedBy(GraphModule), ...identityControllers, ...controlControllers];
    expect(classes.length).toBeGreaterThan(10);
    const missing = classes.flatMap((cls) => undeclared(cls).map((i) => `${cls.name}[${i}]`));
    expect(missing).toEqual([]);
  });
});
