// The few runtime pieces of @nestjs/common that the vault's data services and their modules use
// (the dependency injection decorators and the logger), each from its own file rather than from
// the package's index, which also loads every pipe, exception, serializer and rxjs: about 100 ms
// of a CLI command that builds its services by hand (cli/cli-services.ts) and needs none of it.
// Node loads a module once per resolved file, so these are the very functions and class the index
// re-exports: the server's dependency injection and logger see no difference. Types still come
// from '@nestjs/common' with `import type`, which emits nothing.
import 'reflect-metadata';

export { Inject } from '@nestjs/common/decorators/core/inject.decorator.js';
export { Injectable } from '@nestjs/common/decorators/core/injectable.decorator.js';
export { Global } from '@nestjs/common/decorators/modules/global.decorator.js';
export { Module } from '@nestjs/common/decorators/modules/module.decorator.js';
export { Logger } from '@nestjs/common/services/logger.service.js';
