import { describe, expect, it } from 'vitest';
import { redirectUriMatches, replyTo } from './redirect-uris';

describe('redirectUriMatches', () => {
  const registered = ['http://localhost:3000/oauth/callback', 'https://app.example.com/cb'];

  it('matches exactly, and ignores only the port of http loopback URIs', () => {
    expect(redirectUriMatches(registered, 'https://app.example.com/cb')).toBe(true);
    expect(redirectUriMatches(registered, 'http://localhost:51234/oauth/callback')).toBe(true);
    expect(redirectUriMatches(registered, 'http://localhost:51234/other')).toBe(false);
    expect(redirectUriMatches(registered, 'https://app.example.com:8443/cb')).toBe(false);
    expect(redirectUriMatches(registered, 'https://app.example.com/cb/')).toBe(false);
    expect(redirectUriMatches(registered, 'not a url')).toBe(false);
  });
});

describe('replyTo', () => {
  it('adds fields to the query, keeping the redirect URI’s own query, and drops undefined ones', () => {
    const reply = replyTo('https://app.example.com/cb?x=1', 'query', { code: 'c', state: undefined });
    expect(reply).toEqual({ kind: 'redirect', url: 'https://app.example.com/cb?x=1&code=c' });
  });

  it('puts fields in the fragment or a form post when asked', () => {
    expect(replyTo('https://a.example/cb', 'fragment', { code: 'c' })).toEqual({
      kind: 'redirect',
      url: 'https://a.example/cb#code=c',
    });
    expect(replyTo('https://a.example/cb', 'form_post', { code: 'c' })).toEqual({
      kind: 'form_post',
      action: 'https://a.example/cb',
      fields: { code: 'c' },
    });
  });
});
