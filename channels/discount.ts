import { createHmac } from 'node:crypto';

/**
 * The discount code for a dispatch: deterministic (a retry shows the same code) and unguessable
 * without the secret, e.g. `SAVE10-7K3M9QXD`. The shop integration creates the code on its platform.
 */
export function discountCode(secret: string, dispatchId: string, percent: number): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const digest = createHmac('sha256', secret).update(`discount:${dispatchId}:${percent}`).digest();
  let suffix = '';
  for (let i = 0; i < 8; i++) suffix += alphabet[digest[i]! % alphabet.length];
  return `SAVE${percent}-${suffix}`;
}
