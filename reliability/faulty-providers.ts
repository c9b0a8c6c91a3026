import { FakeHttpServer, type FakeRequest } from '../test/fakes/http.ts';
import { FakeResend } from '../test/fakes/resend.ts';

// Resend as it behaves on a bad day: some requests are rate-limited (429 with Retry-After), some fail
// (500), some are processed but answered too late for the caller (a timeout after the e-mail was
// accepted: the nastiest case for exactly-once), and some recipients can never receive (a permanent
// validation error, which should make the journey fall back to its next channel).

export interface ProviderFaults {
  rateLimited: number;
  serverErrors: number;
  timeouts: number;
  /** How long a "timed out" answer is held, longer than the dispatch activity's timeout. */
  timeoutMs: number;
  /** Recipients on this domain are refused as undeliverable. */
  undeliverableDomain: string;
}

export interface InjectedCounts {
  rateLimited: number;
  serverErrors: number;
  timeouts: number;
  undeliverable: number;
}

export class FaultyResend extends FakeHttpServer {
  /** The well-behaved Resend behind the faults: it keeps the accepted e-mails and honours Idempotency-Key. */
  private readonly resend = new FakeResend();
  readonly apiKey = this.resend.apiKey;
  readonly emails = this.resend.emails;
  readonly injected: InjectedCounts = { rateLimited: 0, serverErrors: 0, timeouts: 0, undeliverable: 0 };
  /** Timeouts are switched off once the run is draining, so it can finish sooner; 429s and 500s stay. */
  enabled = true;

  constructor(private readonly faults: ProviderFaults, private readonly random: () => number) {
    super();
  }

  protected async handle(request: FakeRequest) {
    if (request.method === 'POST' && request.path === '/emails') {
      if (request.body.includes(`@${this.faults.undeliverableDomain}`)) {
        this.injected.undeliverable++;
        return { status: 422, body: { statusCode: 422, name: 'validation_error', message: 'Invalid `to` field. The email address is not deliverable.' } };
      }
      const roll = this.random();
      if (roll < this.faults.rateLimited) {
        this.injected.rateLimited++;
        return { status: 429, headers: { 'retry-after': '1' }, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' } };
      }
      if (roll < this.faults.rateLimited + this.faults.serverErrors) {
        this.injected.serverErrors++;
        return { status: 500, body: { statusCode: 500, name: 'internal_server_error', message: 'Unexpected error.' } };
      }
      if (this.enabled && roll < this.faults.rateLimited + this.faults.serverErrors + this.faults.timeouts) {
        this.injected.timeouts++;
        const answer = this.served(request);
        await new Promise((r) => setTimeout(r, this.faults.timeoutMs));
        return answer;
      }
    }
    return this.served(request);
  }

  private served(request: FakeRequest) {
    // The inner fake's handler is protected; the bracket form reaches it without widening its API.
    return this.resend['handle'](request);
  }
}
