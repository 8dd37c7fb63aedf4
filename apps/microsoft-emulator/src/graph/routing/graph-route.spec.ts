import { describe, expect, it } from 'vitest';
import { parseGraphPath, parseODataString } from './graph-route';

describe(parseGraphPath.name, () => {
  it('parses /me and /users/{upn}', () => {
    expect(parseGraphPath('me')).toEqual({ ok: true, target: { kind: 'me' } });
    expect(parseGraphPath('users/adele%40contoso.com')).toEqual({
      ok: true,
      target: { kind: 'user', user: 'adele@contoso.com' },
    });
  });

  it('matches keywords case-insensitively and ignores a trailing slash', () => {
    expect(parseGraphPath('Me/Drive/Root/')).toEqual({
      ok: true,
      target: { kind: 'item', drive: { by: 'me' }, item: { base: { by: 'root' }, path: [] } },
    });
  });

  it('parses drive, root, children and item routes for every way of naming a drive', () => {
    expect(parseGraphPath('drives/b!abc')).toEqual({
      ok: true,
      target: { kind: 'drive', drive: { by: 'id', driveId: 'b!abc' } },
    });
    expect(parseGraphPath('users/u1/drive')).toEqual({
      ok: true,
      target: { kind: 'drive', drive: { by: 'user', user: 'u1' } },
    });
    expect(parseGraphPath('drives/d1/root/children')).toEqual({
      ok: true,
      target: { kind: 'children', drive: { by: 'id', driveId: 'd1' }, item: { base: { by: 'root' }, path: [] } },
    });
    expect(parseGraphPath('drives/d1/items/01ABC/content')).toEqual({
      ok: true,
      target: {
        kind: 'content',
        drive: { by: 'id', driveId: 'd1' },
        item: { base: { by: 'id', id: '01ABC' }, path: [] },
      },
    });
  });

  it('decodes a colon path after root, with and without the closing colon', () => {
    const expected = {
      ok: true,
      target: {
        kind: 'content',
        drive: { by: 'id', driveId: 'd1' },
        item: { base: { by: 'root' }, path: ['Q3 Reports', 'plan:v2.txt'] },
      },
    };
    expect(parseGraphPath('drives/d1/root:/Q3%20Reports/plan%3Av2.txt:/content')).toEqual(expected);
    expect(parseGraphPath('drives/d1/root:/Q3%20Reports/plan%3Av2.txt:')).toEqual({
      ok: true,
      target: { ...expected.target, kind: 'item' },
    });
    expect(parseGraphPath('drives/d1/root:/Q3%20Reports/plan%3Av2.txt')).toEqual({
      ok: true,
      target: { ...expected.target, kind: 'item' },
    });
  });

  it('parses a path relative to an item id, as small uploads into a folder use it', () => {
    expect(parseGraphPath('drives/d1/items/01PARENT:/new.txt:/content')).toEqual({
      ok: true,
      target: {
        kind: 'content',
        drive: { by: 'id', driveId: 'd1' },
        item: { base: { by: 'id', id: '01PARENT' }, path: ['new.txt'] },
      },
    });
  });

  it('parses search with an OData literal holding quotes, slashes and parentheses', () => {
    expect(parseGraphPath("drives/d1/root/search(q='it''s%20a/b%20(draft)')")).toEqual({
      ok: true,
      target: {
        kind: 'search',
        drive: { by: 'id', driveId: 'd1' },
        item: { base: { by: 'root' }, path: [] },
        query: "it's a/b (draft)",
      },
    });
  });

  it('refuses a search without a quoted q argument', () => {
    expect(parseGraphPath('drives/d1/root/search(q=budget)')).toEqual({ ok: false, segment: 'search(q=budget)' });
  });

  it('parses site lookups by id and by host name and server-relative path', () => {
    expect(parseGraphPath('sites/contoso.sharepoint.com,11,22')).toEqual({
      ok: true,
      target: { kind: 'site', site: { by: 'id', id: 'contoso.sharepoint.com,11,22' } },
    });
    expect(parseGraphPath('sites/Contoso.SharePoint.com:/sites/Marketing')).toEqual({
      ok: true,
      target: { kind: 'site', site: { by: 'path', hostname: 'contoso.sharepoint.com', path: '/sites/Marketing' } },
    });
    expect(parseGraphPath('sites/contoso.sharepoint.com:/sites/Marketing:/drive/root/children')).toEqual({
      ok: true,
      target: {
        kind: 'children',
        drive: { by: 'site', site: { by: 'path', hostname: 'contoso.sharepoint.com', path: '/sites/Marketing' } },
        item: { base: { by: 'root' }, path: [] },
      },
    });
    expect(parseGraphPath('sites/s1/drives')).toEqual({
      ok: true,
      target: { kind: 'siteDrives', site: { by: 'id', id: 's1' } },
    });
  });

  it('names the first unknown segment', () => {
    expect(parseGraphPath('groups/g1')).toEqual({ ok: false, segment: 'groups' });
    expect(parseGraphPath('me/messages')).toEqual({ ok: false, segment: 'messages' });
    expect(parseGraphPath('drives/d1/root/children/extra')).toEqual({ ok: false, segment: 'extra' });
    expect(parseGraphPath('drives/d1/bogus')).toEqual({ ok: false, segment: 'bogus' });
    expect(parseGraphPath('')).toEqual({ ok: false, segment: '' });
  });

  it('refuses malformed percent-encoding instead of throwing', () => {
    expect(parseGraphPath('drives/d1/root:/bad%E0%A4%A:/content')).toEqual({ ok: false, segment: '/bad%E0%A4%A' });
  });
});

describe(parseODataString.name, () => {
  it('unquotes a literal and undoubles quotes', () => {
    expect(parseODataString("'O''Brien'")).toBe("O'Brien");
    expect(parseODataString("''")).toBe('');
  });

  it('refuses unquoted or badly quoted text', () => {
    expect(parseODataString('budget')).toBeNull();
    expect(parseODataString("'a'b'")).toBeNull();
    expect(parseODataString("'")).toBeNull();
  });
});
