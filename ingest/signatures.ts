import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Shopify (X-Shopify-Hmac-Sha256) and WooCommerce (X-WC-Webhook-Signature) both sign the raw body with
 * HMAC-SHA256 and send it base64-encoded. Compared in constant time, over the bytes as received.
 */
export function verifyBase64Hmac(secret: string, rawBody: string, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
  const given = Buffer.from(signature.trim(), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const signBase64Hmac = (secret: string, rawBody: string) => createHmac('sha256', secret).update(rawBody, 'utf8').digest('base64');
