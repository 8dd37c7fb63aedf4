import { Module } from '@nestjs/common';

/**
 * The emulator's Microsoft Graph v1.0 subset. Consumes DIRECTORY_STORE, ACCESS_TOKEN_VERIFIER and
 * EMULATOR_CLOCK, which the emulator module provides globally.
 */
@Module({
  controllers: [],
  providers: [],
})
export class GraphModule {}
