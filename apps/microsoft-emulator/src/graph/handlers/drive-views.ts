import { Inject, Injectable } from '@nestjs/common';
import { DIRECTORY_STORE, type DirectoryStore } from '../../directory/contracts';
import type { Drive, DriveItem } from '../../directory/directory.types';
import type { GraphCaller } from '../auth/graph-permissions';
import { DownloadLinks } from '../drive/download-links';
import { DriveItemsService } from '../drive/drive-items.service';
import { quickXorHash } from '../drive/quick-xor-hash';
import { driveItemJson, driveJson, type GraphJson } from '../mapping/graph-json';
import { GraphLocator } from './graph-locator';

/** Gathers what the JSON mappers need about a drive or an item and renders it. */
@Injectable()
export class DriveViews {
  constructor(
    @Inject(DIRECTORY_STORE) private readonly store: DirectoryStore,
    @Inject(DriveItemsService) private readonly items: DriveItemsService,
    @Inject(GraphLocator) private readonly locate: GraphLocator,
    @Inject(DownloadLinks) private readonly links: DownloadLinks,
  ) {}

  drive(caller: GraphCaller, drive: Drive): GraphJson {
    const root = this.store.rootOf(caller.tenantId, drive.id);
    return driveJson(drive, {
      owner: this.locate.ownerOf(caller, drive),
      root,
      usedBytes: this.items.sizeOf(caller.tenantId, root),
    });
  }

  /** An item as Graph renders it; files get a fresh download URL on `origin`. */
  item(caller: GraphCaller, drive: Drive, item: DriveItem, origin: string): GraphJson {
    const isFile = item.kind === 'file';
    return driveItemJson(item, {
      drive,
      parentPath: this.items.parentPathOf(caller.tenantId, item),
      size: this.items.sizeOf(caller.tenantId, item),
      childCount: isFile ? 0 : this.items.children(caller.tenantId, item).length,
      downloadUrl: isFile ? this.downloadUrl(caller, item, origin) : null,
      quickXorHash: isFile ? quickXorHash(item.content ?? Buffer.alloc(0)) : null,
    });
  }

  downloadUrl(caller: GraphCaller, item: DriveItem, origin: string): string {
    return this.links.issue(origin, { tenantId: caller.tenantId, driveId: item.driveId, itemId: item.id });
  }
}
