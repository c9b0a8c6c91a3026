import { config } from '../lib/config.ts';
import type { PiiCipher } from '../lib/pii.ts';
import { LinkSigner, linkSecret } from './links.ts';

/** What the channel endpoints (links, provider webhooks, placements) need beyond the API context. */
export interface ChannelApiOptions {
  links: LinkSigner;
  /** The secret behind links and discount codes (the same one dispatch uses). */
  signingSecret: string;
  /** The public origin providers call us on; Twilio signs the full URL, so it must match theirs. */
  publicBaseUrl: string;
  resendWebhookSecret?: string | undefined;
  twilioAuthToken?: string | undefined;
  vapidPublicKey?: string | undefined;
}

export function channelApiOptionsFromConfig(cipher: PiiCipher): ChannelApiOptions {
  const c = config();
  const signingSecret = linkSecret(c.LINK_SIGNING_SECRET, cipher);
  return {
    links: new LinkSigner(signingSecret, c.PUBLIC_BASE_URL, { clickTtlDays: c.LINK_CLICK_TTL_DAYS, unsubscribeTtlDays: c.LINK_UNSUBSCRIBE_TTL_DAYS }),
    signingSecret,
    publicBaseUrl: c.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    resendWebhookSecret: c.RESEND_WEBHOOK_SECRET,
    twilioAuthToken: c.TWILIO_AUTH_TOKEN,
    vapidPublicKey: c.VAPID_PUBLIC_KEY,
  };
}
