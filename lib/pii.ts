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

const LOCAL_CHAR = /[A-Za-z0-9._%+'-]/;
const DOMAIN_CHAR = /[A-Za-z0-9.-]/;
const DOMAIN = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const E164 = /^\+[1-9]\d{6,14}$/;
/** Scanning stops here: kept bodies are at most 1 MB. */
const MAX_SCAN = 1_000_000;

/** E-mail addresses around each '@', scanned outwards with bounded lengths (linear, unlike a regex over hostile input). */
function* emailsIn(text: string): Generator<string> {
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && LOCAL_CHAR.test(text[start - 1]!)) start -= 1;
    let end = at + 1;
    while (end < text.length && end - at < 254 && DOMAIN_CHAR.test(text[end]!)) end += 1;
    const domain = text.slice(at + 1, end).replace(/\.+$/, '');
    if (start < at && DOMAIN.test(domain)) yield `${text.slice(start, at)}@${domain}`;
  }
}

/** E.164 numbers after each '+', allowing the spaces, dots, dashes and brackets people write them with. */
function* phonesIn(text: string): Generator<string> {
  for (let plus = text.indexOf('+'); plus !== -1; plus = text.indexOf('+', plus + 1)) {
    let end = plus + 1;
    while (end < text.length && end - plus < 24 && /[\d\s().-]/.test(text[end]!)) end += 1;
    const phone = text.slice(plus, end).replace(/[\s().-]/g, '');
    if (E164.test(phone)) yield phone;
  }
}

/** The text as sent and as its encodings read it (JSON \u escapes, URL encoding), to find addresses in any of them. */
function readings(text: string): string[] {
  const out = [text];
  if (text.includes('\\')) {
    out.push(text.replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/\\\//g, '/'));
  }
  if (text.includes('%')) {
    try {
      out.push(decodeURIComponent(text));
    } catch {
      out.push(text.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))));
    }
  }
  return out;
}

/**
 * Look-up hashes (as contacts stores them) of every e-mail address and E.164 phone number found in a
 * raw payload, so a kept payload can be found by whose data it holds without decrypting it.
 */
export function piiLookupHashes(cipher: PiiCipher, text: string): string[] {
  const found = new Set<string>();
  for (const reading of readings(text.slice(0, MAX_SCAN))) {
    for (const email of emailsIn(reading)) found.add(cipher.lookupHash(normaliseEmail(email)));
    for (const phone of phonesIn(reading)) found.add(cipher.lookupHash(phone));
  }
  return [...found].sort();
}
