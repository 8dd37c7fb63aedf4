import type { Drive, DriveItem } from './directory.types';
import { newItemId } from './ids';

/**
 * Drives and their item trees. Items are kept per drive so a lookup never crosses drives, and
 * every read is scoped by tenant through the drive it belongs to.
 */
export class DriveTree {
  private readonly drives = new Map<string, Drive>();
  private readonly items = new Map<string, Map<string, DriveItem>>();

  addDrive(drive: Drive, now: Date, rootId: string = newItemId()): DriveItem {
    this.drives.set(drive.id, drive);
    const root: DriveItem = {
      id: rootId,
      driveId: drive.id,
      parentId: null,
      name: 'root',
      kind: 'folder',
      mimeType: null,
      content: null,
      createdAt: now,
      lastModifiedAt: now,
      version: 1,
    };
    this.items.set(drive.id, new Map([[root.id, root]]));
    return root;
  }

  drive(tenantId: string, driveId: string): Drive | undefined {
    const drive = this.drives.get(driveId);
    return drive?.tenantId === tenantId ? drive : undefined;
  }

  allDrives(): Drive[] {
    return [...this.drives.values()];
  }

  item(tenantId: string, driveId: string, itemId: string): DriveItem | undefined {
    if (!this.drive(tenantId, driveId)) return undefined;
    return this.items.get(driveId)?.get(itemId);
  }

  root(tenantId: string, driveId: string): DriveItem {
    if (!this.drive(tenantId, driveId)) throw new Error(`no drive ${driveId} in tenant ${tenantId}`);
    for (const item of this.items.get(driveId)?.values() ?? []) {
      if (item.parentId === null) return item;
    }
    throw new Error(`drive ${driveId} has no root`);
  }

  children(tenantId: string, driveId: string, itemId: string): DriveItem[] {
    if (!this.item(tenantId, driveId, itemId)) return [];
    return [...(this.items.get(driveId)?.values() ?? [])].filter((i) => i.parentId === itemId);
  }

  put(tenantId: string, item: DriveItem): DriveItem {
    if (!this.drive(tenantId, item.driveId)) throw new Error(`no drive ${item.driveId} in tenant ${tenantId}`);
    this.items.get(item.driveId)?.set(item.id, item);
    return item;
  }

  /** Deletes an item and everything under it, as deleting a folder does. */
  delete(tenantId: string, driveId: string, itemId: string): void {
    const tree = this.items.get(driveId);
    if (!tree || !this.drive(tenantId, driveId)) return;
    const doomed = [itemId];
    while (doomed.length > 0) {
      const id = doomed.pop() as string;
      tree.delete(id);
      for (const child of tree.values()) if (child.parentId === id) doomed.push(child.id);
    }
  }

  clear(): void {
    this.drives.clear();
    this.items.clear();
  }
}
