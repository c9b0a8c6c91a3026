import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { FakeHttpServer, type FakeRequest } from './http.ts';

// A local Twilio: the Messages API (create and list, basic auth, form bodies, Twilio error codes),
// the Content API's WhatsApp approval look-up, and signed status / inbound callbacks to our app.

export interface FakeMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  contentSid: string | null;
  contentVariables: string | null;
  statusCallback: string | null;
  dateCreated: Date;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const sidOf = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
const error = (status: number, code: number, message: string) => ({ status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } });

export class FakeTwilio extends FakeHttpServer {
  readonly messages: FakeMessage[] = [];
  /** Content SID → WhatsApp approval status ('approved', 'pending', 'rejected'). */
  readonly templates = new Map<string, string>();
  readonly accountSid = sidOf('AC');
  readonly authToken = randomBytes(16).toString('hex');
  /** Numbers whose owner has texted STOP: Twilio refuses to send to them (21610). */
  readonly stopped = new Set<string>();

  protected handle(request: FakeRequest) {
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return error(401, 20003, 'Authenticate');
    const approval = /^\/v1\/Content\/(HX\w+)\/ApprovalRequests$/.exec(request.path);
    if (approval && request.method === 'GET') {
      const status = this.templates.get(approval[1]!);
      if (!status) return error(404, 20404, 'The requested resource was not found');
      return { status: 200, body: { sid: approval[1], account_sid: this.accountSid, whatsapp: { type: 'whatsapp', name: 'reminder', category: 'MARKETING', status }, url: 'x' } };
    }
    if (request.path !== `/2010-04-01/Accounts/${this.accountSid}/Messages.json`) return error(404, 20404, 'The requested resource was not found');
    if (request.method === 'GET') return this.list(request.query);
    if (request.method !== 'POST') return error(405, 20004, 'Method not allowed');
    if (request.headers['content-type'] !== 'application/x-www-form-urlencoded') return error(400, 20001, 'Expected a form body');
    const form = new URLSearchParams(request.body);
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? form.get('MessagingServiceSid') ?? '';
    const number = to.replace(/^whatsapp:/, '');
    if (!E164.test(number)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from) return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message");
    if (this.stopped.has(number)) return error(400, 21610, 'Attempt to send to unsubscribed recipient');
    const contentSid = form.get('ContentSid');
    if (!form.get('Body') && !contentSid) return error(400, 21602, 'Message body is required.');
    if (contentSid && this.templates.get(contentSid) === undefined) return error(400, 21655, 'The ContentSid is Invalid.');
    const message: FakeMessage = {
      sid: sidOf('SM'),
      to,
      from,
      body: form.get('Body') ?? `[template ${contentSid}] ${form.get('ContentVariables') ?? ''}`,
      contentSid,
      contentVariables: form.get('ContentVariables'),
      statusCallback: form.get('StatusCallback'),
      dateCreated: new Date(),
    };
    this.messages.push(message);
    return { status: 201, body: this.resource(message) };
  }

  private list(query: URLSearchParams) {
    const after = query.get('DateSent>');
    const found = this.messages.filter(
      (m) => (!query.get('To') || m.to === query.get('To')) && (!query.get('From') || m.from === query.get('From')) && (!after || m.dateCreated >= new Date(after)),
    );
    return {
      status: 200,
      body: { messages: found.map((m) => this.resource(m)), page: 0, page_size: 50, first_page_uri: '', next_page_uri: null, previous_page_uri: null, uri: '', start: 0, end: found.length },
    };
  }

  private resource(m: FakeMessage) {
    return {
      sid: m.sid, account_sid: this.accountSid, to: m.to, from: m.from, body: m.body, status: 'queued', direction: 'outbound-api',
      num_segments: '1', date_created: m.dateCreated.toUTCString(), date_sent: m.dateCreated.toUTCString(), date_updated: m.dateCreated.toUTCString(),
      error_code: null, error_message: null, price: null, price_unit: 'USD', api_version: '2010-04-01', messaging_service_sid: null, uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${m.sid}.json`,
    };
  }

  /** Posts a callback to our app signed with X-Twilio-Signature, as Twilio does. */
  async callback(url: string, params: Record<string, string>, authToken = this.authToken): Promise<Response> {
    const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
  }

  /** Reports a delivery status for a sent message to the status callback it was given. */
  status(message: FakeMessage, status: 'sent' | 'delivered' | 'undelivered' | 'failed', errorCode?: number) {
    if (!message.statusCallback) throw new Error(`message ${message.sid} has no status callback`);
    return this.callback(message.statusCallback, {
      AccountSid: this.accountSid, MessageSid: message.sid, SmsSid: message.sid, MessageStatus: status, To: message.to, From: message.from, ApiVersion: '2010-04-01',
      ...(errorCode ? { ErrorCode: String(errorCode) } : {}),
    });
  }

  /** A customer writes to our number (SMS or WhatsApp). */
  inbound(url: string, from: string, to: string, body: string) {
    return this.callback(url, { AccountSid: this.accountSid, MessageSid: sidOf('SM'), From: from, To: to, Body: body, NumMedia: '0', ApiVersion: '2010-04-01' });
  }
}
