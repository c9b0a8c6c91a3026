import { describe, expect, it } from 'vitest';
import { workflowBundle } from './bundle.ts';

describe('workflow bundle', () => {
  it('builds from workflows/index.ts with every journey in it', async () => {
    const bundle = await workflowBundle();
    expect(bundle.code.length).toBeGreaterThan(10_000);
    expect(bundle.code).toContain('cartAbandonJourney');
  });
});
