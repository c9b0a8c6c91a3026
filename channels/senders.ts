import type { Config } from '../lib/config.ts';
import { ResendSender } from './resend.ts';
import { TwilioSmsSender, TwilioWhatsAppSender } from './twilio.ts';
import type { ChannelSenders } from './types.ts';
import { WebPushSender } from './web-push.ts';

type SenderConfig = Pick<
  Config,
  | 'RESEND_API_KEY' | 'RESEND_FROM' | 'RESEND_BASE_URL' | 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_SMS_FROM'
  | 'TWILIO_WHATSAPP_FROM' | 'TWILIO_API_BASE_URL' | 'PUBLIC_BASE_URL' | 'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY' | 'VAPID_SUBJECT'
>;

/** The real providers the configuration switches on; a channel left out goes to the dev outbox. */
export function channelSendersFromConfig(config: SenderConfig): ChannelSenders {
  const senders: ChannelSenders = {};
  if (config.RESEND_API_KEY) {
    if (!config.RESEND_FROM) throw new Error('RESEND_FROM: required with RESEND_API_KEY, the sender address such as "Shop <hello@shop.example>"');
    senders.email = new ResendSender({ apiKey: config.RESEND_API_KEY, from: config.RESEND_FROM, ...(config.RESEND_BASE_URL ? { baseUrl: config.RESEND_BASE_URL } : {}) });
  }
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN) {
    const options = {
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      smsFrom: config.TWILIO_SMS_FROM,
      whatsappFrom: config.TWILIO_WHATSAPP_FROM,
      statusCallbackUrl: `${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/v1/webhooks/twilio/status`,
      baseUrl: config.TWILIO_API_BASE_URL,
    };
    if (config.TWILIO_SMS_FROM) senders.sms = new TwilioSmsSender(options);
    if (config.TWILIO_WHATSAPP_FROM) senders.whatsapp = new TwilioWhatsAppSender(options);
  }
  if (config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY) {
    senders.push = new WebPushSender({ publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY, subject: config.VAPID_SUBJECT ?? config.PUBLIC_BASE_URL });
  }
  return senders;
}
