import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { PiiCipher } from './pii.ts';

const key = 'ab'.repeat(32);

describe('PII at rest', () => {
  it('encrypts with a fresh IV each time and decrypts back', () => {
    const cipher = new PiiCipher(key);
    const a = cipher.encrypt('ada@example.com');
    const b = cipher.encrypt('ada@example.com');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('ada');
    expect(cipher.decrypt(a)).toBe('ada@example.com');
  });

  it('refuses a tampered ciphertext or another key', () => {
    const token = new PiiCipher(key).encrypt('+4915112345678');
    const parts = token.split('.');
    parts[3] = Buffer.from('tampered!').toString('base64url');
    expect(() => new PiiCipher(key).decrypt(parts.join('.'))).toThrow();
    expect(() => new PiiCipher('cd'.repeat(32)).decrypt(token)).toThrow();
  });

  it('gives a stable keyed look-up hash', () => {
    const cipher = new PiiCipher(key);
    expect(cipher.lookupHash('ada@example.com')).toBe(cipher.lookupHash('ada@example.com'));
    expect(cipher.lookupHash('ada@example.com')).not.toBe(new PiiCipher('cd'.repeat(32)).lookupHash('ada@example.com'));
  });

  it('keeps contact fields out of logs', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    createLogger('info', sink).info({ customerId: 'cus_1', email: 'ada@example.com', contact: { phone: '+4915112345678' } }, 'hello');
    expect(lines.join('')).toContain('cus_1');
    expect(lines.join('')).not.toContain('ada@example.com');
    expect(lines.join('')).not.toContain('+4915112345678');
  });
});
