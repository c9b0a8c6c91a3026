import { describe, expect, it } from 'vitest';
import { ContentEngine } from './engine.ts';
import { band, productTokens } from './features.ts';

describe('content similarity', () => {
  it('bands prices on a log scale', () => {
    expect(band(1000)).toBe(band(1400));
    expect(band(1000)).not.toBe(band(3000));
    expect(productTokens({ category: 'shoes', priceMinor: 1000, attributes: { colour: 'Red' }, text: 'Trail running shoe' })).toEqual([
      'cat:shoes', `price:${band(1000)}`, 'colour=red', 'w:trail', 'w:running', 'w:shoe',
    ]);
  });

  it('finds the product sharing category, price band and words first, for items nobody has seen', () => {
    const products = [
      productTokens({ category: 'shoes', priceMinor: 8000, text: 'trail running shoe' }),
      productTokens({ category: 'shoes', priceMinor: 8500, text: 'road running shoe' }),
      productTokens({ category: 'shoes', priceMinor: 30000, text: 'leather boot' }),
      productTokens({ category: 'kitchen', priceMinor: 8000, text: 'frying pan' }),
      productTokens({ category: 'kitchen', priceMinor: 2000, text: 'wooden spoon' }),
    ];
    const engine = new ContentEngine('t');
    engine.trainOnTokens(products);
    expect(engine.similarTo(0).map((n) => n.item)).toEqual([1, 2, 3]);
    expect(engine.similarTo(4).map((n) => n.item)).toEqual([3]);
    const fromSession = engine.recommend({ history: [], session: [3], k: 2, now: 0 });
    expect(fromSession.map((s) => s.item)).toEqual([4, 0]);
  });
});
