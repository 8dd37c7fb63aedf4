import { describe, expect, it } from 'vitest';
import type { Drive, DriveItem, Site } from '../../directory/directory.types';
import { applySelect, driveItemJson, odataContext, siteJson } from './graph-json';

const drive: Drive = {
  id: 'b!lib',
  tenantId: 't1',
  driveType: 'documentLibrary',
  name: 'Documents',
  ownerUserId: null,
  siteId: 's1',
  webUrl: 'https://contoso.sharepoint.com/sites/X/Shared%20Documents',
};

function item(overrides: Partial<DriveItem>): DriveItem {
  const at = new Date('2026-01-02T03:04:05.000Z');
  return {
    id: '01ITEM',
    driveId: drive.id,
    parentId: '01PARENT',
    name: 'Q3 plan.txt',
    kind: 'file',
    mimeType: 'text/plain',
    content: Buffer.from('x'),
    createdAt: at,
    lastModifiedAt: at,
    version: 3,
    ...overrides,
  };
}

const facts = { drive, size: 1, childCount: 0, downloadUrl: null, quickXorHash: null };

describe(driveItemJson.name, () => {
  it('renders a nested file with a percent-encoded webUrl and parent path', () => {
    const json = driveItemJson(item({}), {
      ...facts,
      parentPath: ['Team Docs'],
      downloadUrl: 'https://dl',
      quickXorHash: 'h',
    });
    expect(json).toMatchObject({
      '@microsoft.graph.downloadUrl': 'https://dl',
      eTag: '"{01ITEM},3"',
      cTag: '"c:{01ITEM},3"',
      webUrl: `${drive.webUrl}/Team%20Docs/Q3%20plan.txt`,
      parentReference: {
        driveType: 'documentLibrary',
        driveId: 'b!lib',
        id: '01PARENT',
        path: '/drives/b!lib/root:/Team%20Docs',
      },
      file: { mimeType: 'text/plain', hashes: { quickXorHash: 'h' } },
      createdDateTime: '2026-01-02T03:04:05.000Z',
    });
    expect(json.folder).toBeUndefined();
    expect(json).not.toHaveProperty('content');
  });

  it('renders the root with the root facet, the drive URL and no parent id or path', () => {
    const json = driveItemJson(
      item({ id: '01ROOT', parentId: null, name: 'root', kind: 'folder', mimeType: null, content: null }),
      {
        ...facts,
        parentPath: null,
        childCount: 4,
      },
    );
    expect(json).toMatchObject({ root: {}, folder: { childCount: 4 }, webUrl: drive.webUrl });
    expect(json.parentReference).toEqual({ driveType: 'documentLibrary', driveId: 'b!lib' });
    expect(json.file).toBeUndefined();
  });
});

describe(siteJson.name, () => {
  it('gives only a root site the root facet', () => {
    const site: Site = {
      id: 'h,1,2',
      tenantId: 't1',
      hostname: 'h',
      serverRelativePath: '/sites/X',
      displayName: 'X',
      name: 'X',
      webUrl: 'https://h/sites/X',
    };
    expect(siteJson(site).root).toBeUndefined();
    expect(siteJson({ ...site, serverRelativePath: '/' }).root).toEqual({});
  });
});

describe(applySelect.name, () => {
  it('keeps selected properties case-insensitively and @odata annotations, drops unselected annotations', () => {
    const json = { '@odata.context': 'c', '@microsoft.graph.downloadUrl': 'u', id: '1', name: 'n', size: 2 };
    expect(applySelect(json, ['ID', 'size'])).toEqual({ '@odata.context': 'c', id: '1', size: 2 });
    expect(applySelect(json, ['@microsoft.graph.downloadUrl'])).toEqual({
      '@odata.context': 'c',
      '@microsoft.graph.downloadUrl': 'u',
    });
    expect(applySelect(json, null)).toBe(json);
  });
});

describe(odataContext.name, () => {
  it("names the cloud's own Graph host", () => {
    expect(odataContext('china', 'users/$entity')).toBe(
      'https://microsoftgraph.chinacloudapi.cn/v1.0/$metadata#users/$entity',
    );
  });
});
