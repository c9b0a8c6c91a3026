import { execFileSync } from 'node:child_process';
import { createDecipheriv, createECDH, createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHttpServer, type FakeRequest } from './http.ts';

// A local web-push service (RFC 8030): checks the VAPID JWT (RFC 8292) and decrypts the aes128gcm
// payload (RFC 8291) with the browser-side keys it generated for the subscription.

export interface ReceivedPush {
  payload: string;
  topic: string | undefined;
  ttl: string | undefined;
}

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/** A throw-away self-signed certificate for 127.0.0.1 (made with the openssl CLI). */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

export class FakePushService extends FakeHttpServer {
  readonly received: ReceivedPush[] = [];
  private readonly browser = createECDH('prime256v1');
  private readonly authSecret = randomBytes(16);
  /** Subscription ids the "browser" has dropped: the service answers 410 Gone. */
  readonly gone = new Set<string>();

  constructor(
    private readonly vapidPublicKey: string,
    readonly certificate = selfSignedCertificate(),
  ) {
    super(certificate);
    this.browser.generateKeys();
  }

  subscription(id = 'sub-1') {
    return { endpoint: `${this.url}/push/${id}`, keys: { p256dh: this.browser.getPublicKey().toString('base64url'), auth: this.authSecret.toString('base64url') } };
  }

  protected handle(request: FakeRequest) {
    const id = request.path.replace(/^\/push\//, '');
    if (this.gone.has(id)) return { status: 410, body: { reason: 'subscription expired' } };
    const auth = String(request.headers.authorization ?? '');
    const match = /^vapid t=([^,]+),\s*k=(.+)$/.exec(auth);
    if (!match || match[2] !== this.vapidPublicKey || !this.validJwt(match[1]!)) return { status: 403, body: { reason: 'bad VAPID authorization' } };
    if (request.headers['content-encoding'] !== 'aes128gcm') return { status: 415, body: { reason: 'aes128gcm expected' } };
    this.received.push({ payload: this.decrypt(request.raw), topic: request.headers.topic as string | undefined, ttl: request.headers.ttl as string | undefined });
    return { status: 201, headers: { location: `${this.url}/messages/${this.received.length}` } };
  }

  private validJwt(jwt: string): boolean {
    const [header, claims, signature] = jwt.split('.');
    if (!header || !claims || !signature) return false;
    const point = Buffer.from(this.vapidPublicKey, 'base64url');
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, format: 'jwk' });
    const ok = verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
    const { aud, exp } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud: string; exp: number };
    return ok && aud === this.url && exp > Date.now() / 1000;
  }

  private decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const idLength = body[20]!;
    const serverPublic = body.subarray(21, 21 + idLength);
    const ciphertext = body.subarray(21 + idLength);
    const shared = this.browser.computeSecret(serverPublic);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.browser.getPublicKey(), serverPublic, Buffer.from([1])]);
    const ikm = hmac(hmac(this.authSecret, shared), keyInfo);
    const prk = hmac(salt, ikm);
    const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01', 'latin1')).subarray(0, 16);
    const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01', 'latin1')).subarray(0, 12);
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
    let end = padded.length - 1;
    while (end > 0 && padded[end] === 0) end--;
    return padded.subarray(0, end).toString('utf8');
  }
}
