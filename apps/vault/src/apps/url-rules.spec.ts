import { describe, expect, it } from 'vitest';
import { isAllowedReturnTo, originSchema, redirectUriSchema } from './url-rules';

describe('url-rules', () => {
  describe('redirectUriSchema', () => {
    it.each([
      'https://vault.example.com/oauth/callback',
      'http://127.0.0.1:3000/oauth/callback',
      'http://localhost/cb',
    ])('accepts %s', (uri) => expect(redirectUriSchema.safeParse(uri).success).toBe(true));

    it.each([
      'http://vault.example.com/oauth/callback',
      '/oauth/callback',
      'https://vault.example.com/cb#frag',
      'https://user:pw@vault.example.com/cb',
      'javascript:alert(1)',
    ])('refuses %s', (uri) => expect(redirectUriSchema.safeParse(uri).success).toBe(false));
  });

  describe('originSchema', () => {
    it('accepts an origin and drops a trailing slash', () => {
      expect(originSchema.parse('https://app.example.com/')).toBe('https://app.example.com');
    });

    it.each(['https://app.example.com/path', 'http://app.example.com', 'app.example.com'])('refuses %s', (origin) =>
      expect(originSchema.safeParse(origin).success).toBe(false),
    );
  });

  describe('isAllowedReturnTo', () => {
    const allowed = ['https://app.example.com', 'http://localhost:5173'];

    it('accepts a URL under an allowed origin', () => {
      expect(isAllowedReturnTo('https://app.example.com/settings?tab=files', allowed)).toBe(true);
    });

    it('refuses a look-alike host, another port or scheme', () => {
      expect(isAllowedReturnTo('https://app.example.com.evil.test/', allowed)).toBe(false);
      expect(isAllowedReturnTo('https://app.example.com:8443/', allowed)).toBe(false);
      expect(isAllowedReturnTo('http://app.example.com/', allowed)).toBe(false);
      expect(isAllowedReturnTo('https://user@app.example.com/', allowed)).toBe(false);
    });
  });
});
