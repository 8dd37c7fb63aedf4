import { describe, expect, it } from 'vitest';
import { graphPathRefusal, graphTargetOf } from './graph-target';

const GLOBAL = 'https://graph.microsoft.com/v1.0';

describe(graphTargetOf.name, () => {
  it.each([
    ['me/drive/root/children', `${GLOBAL}/me/drive/root/children`],
    ['me/drive/root/children?$top=2&$select=id,name', `${GLOBAL}/me/drive/root/children?$top=2&$select=id,name`],
    ["me/drive/root/search(q='budget%20plan')", `${GLOBAL}/me/drive/root/search(q='budget%20plan')`],
    [
      'drives/b!abc/root:/Reports/Q1%20plan.docx:/content',
      `${GLOBAL}/drives/b!abc/root:/Reports/Q1%20plan.docx:/content`,
    ],
    ['sites/contoso.sharepoint.com:/sites/Marketing', `${GLOBAL}/sites/contoso.sharepoint.com:/sites/Marketing`],
    ['users/adele%40contoso.com/drive', `${GLOBAL}/users/adele%40contoso.com/drive`],
    ['me/drive/root:/100%25.txt:/content', `${GLOBAL}/me/drive/root:/100%25.txt:/content`],
  ])('forwards %s under the Graph base', (rest, expected) => {
    expect(graphTargetOf(GLOBAL, rest)).toEqual({ ok: true, url: expected });
  });

  it("keeps a national cloud's host and a custom Graph's port", () => {
    expect(graphTargetOf('https://graph.microsoft.us/v1.0', 'me')).toEqual({
      ok: true,
      url: 'https://graph.microsoft.us/v1.0/me',
    });
    expect(graphTargetOf('https://127.0.0.1:4443/v1.0', 'me')).toEqual({
      ok: true,
      url: 'https://127.0.0.1:4443/v1.0/me',
    });
  });

  it.each([
    ['', 'empty_path'],
    ['?x=1', 'empty_path'],
    ['/evil.example/me', 'absolute_url'],
    ['https://evil.example/v1.0/me', 'absolute_url'],
    ['HTTPS://evil.example/me', 'absolute_url'],
    ['me/../../evil', 'dot_segment'],
    ['../beta/me', 'dot_segment'],
    ['me/./drive', 'dot_segment'],
    ['me/%2e%2e/%2E%2E/x', 'encoded_separator'],
    ['me%2fdrive', 'encoded_separator'],
    ['me%2Fdrive', 'encoded_separator'],
    ['me%5cdrive', 'encoded_separator'],
    ['me\\..\\evil', 'backslash'],
    ['me?q=%5c', 'backslash'],
    ['user@evil.example/me', 'userinfo'],
    ['me//evil.example', 'empty_segment'],
    ['me/drive%00', 'control_character'],
    ['me/drive\r\nHost: evil', 'control_character'],
    ['me drive', 'control_character'],
    ['me#frag', 'fragment'],
  ])('refuses %j (%s)', (rest, reason) => {
    expect(graphTargetOf(GLOBAL, rest)).toEqual({ ok: false, reason });
    expect(graphPathRefusal(rest)).toBe(reason);
  });
});
