import { Module } from '@nestjs/common';
import { EMULATOR_CLOCK, type EmulatorClock } from '../directory/contracts';
import { GraphAuthenticator } from './auth/graph-authenticator';
import { DownloadLinks } from './drive/download-links';
import { DriveItemsService } from './drive/drive-items.service';
import { GraphController } from './graph.controller';
import { DirectoryHandlers } from './handlers/directory.handlers';
import { DriveHandlers } from './handlers/drive.handlers';
import { UploadSessionHandlers } from './handlers/upload-session.handlers';
import { DriveViews } from './handlers/drive-views';
import { GraphLocator } from './handlers/graph-locator';
import { DownloadHandler } from './http/download.handler';
import { GraphDispatcher } from './http/graph.dispatcher';
import { GraphBodyParsing } from './http/graph-body';

/**
 * The emulator's Microsoft Graph v1.0 subset: users, sites, drives and drive items under /v1.0,
 * and pre-authenticated download URLs. Consumes DIRECTORY_STORE, ACCESS_TOKEN_VERIFIER and
 * EMULATOR_CLOCK, which the emulator module provides globally.
 */
@Module({
  controllers: [GraphController],
  providers: [
    GraphAuthenticator,
    GraphLocator,
    DriveItemsService,
    DriveViews,
    DirectoryHandlers,
    DriveHandlers,
    UploadSessionHandlers,
    GraphDispatcher,
    DownloadHandler,
    GraphBodyParsing,
    {
      provide: DownloadLinks,
      inject: [EMULATOR_CLOCK],
      useFactory: (clock: EmulatorClock) => new DownloadLinks(clock),
    },
  ],
})
export class GraphModule {}
