import { Inject, Injectable } from '@nestjs/common';
import { DIRECTORY_STORE, EMULATOR_CLOCK, type DirectoryStore, type EmulatorClock } from '../../directory/contracts';
import type { Drive, DriveItem } from '../../directory/directory.types';
import { newItemId } from '../../directory/ids';
import { GraphError } from '../graph-error';
import type { ItemRef } from '../routing/graph-route';
import { assertValidItemName, type ConflictBehavior, freeNameFor, isSearchableText, mimeTypeFor } from './item-names';

/** A write's result: the item, and whether it was created (201) rather than changed (200). */
export interface WriteResult {
  item: DriveItem;
  created: boolean;
}

/** Where PATCH moves an item to and what it is called there. */
export interface ItemChanges {
  name?: string;
  parentId?: string;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * OneDrive semantics over the directory store: path resolution, folder creation, uploads, moves,
 * deletes and search. Every method takes the tenant first, and the store scopes every read by it,
 * so an id from another tenant is simply not found.
 */
@Injectable()
export class DriveItemsService {
  constructor(
    @Inject(DIRECTORY_STORE) private readonly store: DirectoryStore,
    @Inject(EMULATOR_CLOCK) private readonly clock: EmulatorClock,
  ) {}

  /** The item `ref` names; 404 itemNotFound when the id or any path segment is missing. */
  resolve(tenantId: string, drive: Drive, ref: ItemRef): DriveItem {
    let item = this.baseOf(tenantId, drive, ref);
    for (const name of ref.path) {
      const next = this.childNamed(tenantId, item, name);
      if (!next) throw GraphError.itemNotFound();
      item = next;
    }
    return item;
  }

  children(tenantId: string, item: DriveItem): DriveItem[] {
    if (item.kind !== 'folder') return [];
    return this.store
      .childrenOf(tenantId, item.driveId, item.id)
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
  }

  /** Names of the folders from the root down to the item's parent; null for the root. */
  parentPathOf(tenantId: string, item: DriveItem): string[] | null {
    if (item.parentId === null) return null;
    const names: string[] = [];
    let parent = this.store.findItem(tenantId, item.driveId, item.parentId);
    while (parent && parent.parentId !== null) {
      names.unshift(parent.name);
      parent = this.store.findItem(tenantId, item.driveId, parent.parentId);
    }
    return names;
  }

  /** Bytes of a file, or of every file below a folder. */
  sizeOf(tenantId: string, item: DriveItem): number {
    if (item.kind === 'file') return item.content?.length ?? 0;
    return this.children(tenantId, item).reduce((sum, child) => sum + this.sizeOf(tenantId, child), 0);
  }

  /** POST .../children with a `folder` facet. */
  createFolder(tenantId: string, parent: DriveItem, name: string, behavior: ConflictBehavior): WriteResult {
    assertValidItemName(name);
    this.assertFolder(parent);
    const existing = this.childNamed(tenantId, parent, name);
    if (existing) {
      if (behavior === 'fail') throw GraphError.nameAlreadyExists(existing.name);
      // Observed Graph behaviour: `replace` onto an existing folder keeps it and its contents
      // and answers 200 with it, rather than emptying it.
      if (behavior === 'replace' && existing.kind === 'folder') return { item: existing, created: false };
      if (behavior === 'replace') this.store.deleteItem(tenantId, existing.driveId, existing.id);
      if (behavior === 'rename') name = freeNameFor(name, 'folder', this.takenNames(tenantId, parent));
    }
    return { item: this.insert(tenantId, parent, name, null), created: true };
  }

  /**
   * PUT .../content. With a path, uploads a file named by its last segment below the base item,
   * creating missing folders on the way; without one, replaces the content of the item itself.
   * https://learn.microsoft.com/graph/api/driveitem-put-content (default conflict behaviour: replace)
   */
  upload(tenantId: string, drive: Drive, ref: ItemRef, content: Buffer, behavior: ConflictBehavior): WriteResult {
    if (ref.path.length === 0) {
      const item = this.baseOf(tenantId, drive, ref);
      if (item.kind !== 'file') throw GraphError.invalidRequest('Content can only be uploaded to a file.');
      return { item: this.replaceContent(tenantId, item, content), created: false };
    }
    const fileName = ref.path[ref.path.length - 1];
    assertValidItemName(fileName);
    let parent = this.baseOf(tenantId, drive, ref);
    for (const folderName of ref.path.slice(0, -1)) {
      assertValidItemName(folderName);
      this.assertFolder(parent);
      parent = this.childNamed(tenantId, parent, folderName) ?? this.insert(tenantId, parent, folderName, null);
    }
    this.assertFolder(parent);
    const existing = this.childNamed(tenantId, parent, fileName);
    if (!existing) return { item: this.insert(tenantId, parent, fileName, content), created: true };
    if (behavior === 'fail') throw GraphError.nameAlreadyExists(existing.name);
    if (behavior === 'rename') {
      const free = freeNameFor(fileName, 'file', this.takenNames(tenantId, parent));
      return { item: this.insert(tenantId, parent, free, content), created: true };
    }
    // A new version of the same item: its id stays, as OneDrive keeps version history on it.
    if (existing.kind === 'file') return { item: this.replaceContent(tenantId, existing, content), created: false };
    throw GraphError.nameAlreadyExists(existing.name);
  }

  /**
   * PATCH: rename and/or move within the drive. Items cannot be moved between drives this way.
   * https://learn.microsoft.com/graph/api/driveitem-move
   */
  update(tenantId: string, drive: Drive, item: DriveItem, changes: ItemChanges, behavior: ConflictBehavior): DriveItem {
    if (changes.name === undefined && changes.parentId === undefined) return item;
    if (item.parentId === null) throw GraphError.invalidRequest('The root folder cannot be moved or renamed.');
    const name = changes.name ?? item.name;
    assertValidItemName(name);
    const parent =
      changes.parentId === undefined
        ? this.parentOf(tenantId, item)
        : this.findOr404(tenantId, drive, changes.parentId);
    this.assertFolder(parent);
    if (this.isSelfOrDescendant(tenantId, parent, item)) {
      throw GraphError.invalidRequest('An item cannot be moved into itself or one of its descendants.');
    }
    let finalName = name;
    const clash = this.childNamed(tenantId, parent, name);
    if (clash && clash.id !== item.id) {
      if (behavior === 'fail') throw GraphError.nameAlreadyExists(clash.name);
      if (behavior === 'replace') this.store.deleteItem(tenantId, clash.driveId, clash.id);
      if (behavior === 'rename') finalName = freeNameFor(name, item.kind, this.takenNames(tenantId, parent));
    }
    const moved: DriveItem = {
      ...item,
      name: finalName,
      parentId: parent.id,
      lastModifiedAt: this.clock.now(),
      version: item.version + 1,
    };
    return this.store.putItem(tenantId, moved);
  }

  /** DELETE: the item and everything below it. */
  remove(tenantId: string, item: DriveItem): void {
    if (item.parentId === null) throw GraphError.invalidRequest('The root folder cannot be deleted.');
    for (const child of this.children(tenantId, item)) this.remove(tenantId, child);
    this.store.deleteItem(tenantId, item.driveId, item.id);
  }

  /**
   * search(q=): items below `under` whose name, or whose text content, contains the query,
   * case-insensitively. An empty query matches everything below.
   * https://learn.microsoft.com/graph/api/driveitem-search
   */
  search(tenantId: string, under: DriveItem, query: string): DriveItem[] {
    const needle = query.toLowerCase();
    const found: DriveItem[] = [];
    const visit = (folder: DriveItem): void => {
      for (const child of this.children(tenantId, folder)) {
        const textHit =
          child.kind === 'file' &&
          isSearchableText(child.mimeType) &&
          child.content?.toString('utf8').toLowerCase().includes(needle);
        if (child.name.toLowerCase().includes(needle) || textHit) found.push(child);
        if (child.kind === 'folder') visit(child);
      }
    };
    visit(under);
    return found;
  }

  private baseOf(tenantId: string, drive: Drive, ref: ItemRef): DriveItem {
    if (ref.base.by === 'root') return this.store.rootOf(tenantId, drive.id);
    return this.findOr404(tenantId, drive, ref.base.id);
  }

  private findOr404(tenantId: string, drive: Drive, itemId: string): DriveItem {
    // Graph accepts the literal "root" in place of the root's id (items/root, parentReference.id).
    if (itemId.toLowerCase() === 'root') return this.store.rootOf(tenantId, drive.id);
    const item = this.store.findItem(tenantId, drive.id, itemId);
    if (!item) throw GraphError.itemNotFound();
    return item;
  }

  private parentOf(tenantId: string, item: DriveItem): DriveItem {
    const parent = item.parentId === null ? undefined : this.store.findItem(tenantId, item.driveId, item.parentId);
    if (!parent) throw GraphError.itemNotFound();
    return parent;
  }

  private childNamed(tenantId: string, folder: DriveItem, name: string): DriveItem | undefined {
    return this.children(tenantId, folder).find((child) => sameName(child.name, name));
  }

  private takenNames(tenantId: string, folder: DriveItem): Set<string> {
    return new Set(this.children(tenantId, folder).map((child) => child.name.toLowerCase()));
  }

  private assertFolder(item: DriveItem): void {
    if (item.kind !== 'folder') throw GraphError.invalidRequest('The parent item is not a folder.');
  }

  private isSelfOrDescendant(tenantId: string, candidate: DriveItem, ancestor: DriveItem): boolean {
    for (let at: DriveItem | undefined = candidate; at;) {
      if (at.id === ancestor.id) return true;
      at = at.parentId === null ? undefined : this.store.findItem(tenantId, at.driveId, at.parentId);
    }
    return false;
  }

  private insert(tenantId: string, parent: DriveItem, name: string, content: Buffer | null): DriveItem {
    const now = this.clock.now();
    return this.store.putItem(tenantId, {
      id: newItemId(),
      driveId: parent.driveId,
      parentId: parent.id,
      name,
      kind: content === null ? 'folder' : 'file',
      mimeType: content === null ? null : mimeTypeFor(name),
      content,
      createdAt: now,
      lastModifiedAt: now,
      version: 1,
    });
  }

  private replaceContent(tenantId: string, item: DriveItem, content: Buffer): DriveItem {
    return this.store.putItem(tenantId, {
      ...item,
      content,
      lastModifiedAt: this.clock.now(),
      version: item.version + 1,
    });
  }
}
