/** A refusal a sender can act on: kept as a rejection with this message, never a 500. */
export class IngestError extends Error {
  override name = 'IngestError';
}
