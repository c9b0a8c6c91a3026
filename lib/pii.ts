import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

// Contact details are the only PII we hold. They are stored encrypted (AES-256-GCM, random IV) and
// looked up by a keyed HMAC, so a database dump alone reveals neither addresses nor who is who.
export class PiiCipher {
  private readonly key: Buffer;
  private readonly hmacKey: Buffer;

  constructor(hexKey: string) {
    this.key = Buffer.from(hexKey, 'hex');
    if (this.key.length !== 32) throw new Error('PII key must be 32 bytes (64 hex characters)');
    this.hmacKey = createHmac('sha256', this.key).update('nextbest:lookup').digest();
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(token: string): string {
    const [version, iv, tag, body] = token.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a nextbest PII ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Stable look-up hash of a normalised address (lower-cased e-mail, E.164 phone). */
  lookupHash(normalised: string): string {
    return createHmac('sha256', this.hmacKey).update(normalised).digest('hex');
  }
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();
