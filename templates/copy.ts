// Copy for every content type in at least two styles, so experiments can compare them. Each line is
// itself Liquid, rendered with the same variables as the template (items, discount, shop...).

export const CONTENT_TYPES = ['cart_reminder', 'browse_reminder', 'starter_pack', 'complementary_items', 'clearance', 'winback_offer'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export const COPY_STYLES = ['friendly', 'urgent'] as const;
export type CopyStyle = (typeof COPY_STYLES)[number];

export interface Copy {
  subject: string;
  preheader: string;
  headline: string;
  intro: string;
  cta: string;
  /** SMS and WhatsApp body, before the link and the opt-out line. */
  short: string;
}

export const COPY: Record<ContentType, Record<CopyStyle, Copy>> = {
  cart_reminder: {
    friendly: {
      subject: 'Your cart at {{ shop.name }} is saved for you',
      preheader: '{{ items[0].title }} and more are waiting in your cart.',
      headline: 'Still thinking it over?',
      intro: 'We kept your cart just as you left it.',
      cta: 'Back to my cart',
      short: '{{ shop.name }}: your cart with {{ items[0].title }} is saved.',
    },
    urgent: {
      subject: '{{ items[0].title }} is still in your cart',
      preheader: 'Stock moves fast: complete your order while it lasts.',
      headline: 'Your cart is about to expire',
      intro: 'Items in carts are not reserved. Finish your order before they sell out.',
      cta: 'Complete my order',
      short: '{{ shop.name }}: {{ items[0].title }} is still in your cart, finish your order before it sells out.',
    },
  },
  browse_reminder: {
    friendly: {
      subject: 'Still looking at {{ items[0].title }}?',
      preheader: 'Here it is again, with a few things like it.',
      headline: 'Caught your eye?',
      intro: 'Here is what you were looking at, and some similar picks.',
      cta: 'Take another look',
      short: '{{ shop.name }}: still thinking about {{ items[0].title }}?',
    },
    urgent: {
      subject: '{{ items[0].title }}: {{ items[0].availability }}',
      preheader: 'Popular items do not stay long.',
      headline: 'Do not miss out',
      intro: 'The item you viewed is popular right now.',
      cta: 'See it now',
      short: '{{ shop.name }}: {{ items[0].title }} is popular right now.',
    },
  },
  starter_pack: {
    friendly: {
      subject: 'Welcome to {{ shop.name }}: a few favourites to start with',
      preheader: 'Hand-picked best sellers for your first order.',
      headline: 'Welcome!',
      intro: 'Here are the pieces our customers love most.',
      cta: 'Start shopping',
      short: 'Welcome to {{ shop.name }}! Our favourites to start with:',
    },
    urgent: {
      subject: 'Our best sellers, picked for you',
      preheader: 'Start with what everyone is buying.',
      headline: 'The best place to start',
      intro: 'These best sellers are the quickest way to know us.',
      cta: 'Shop best sellers',
      short: '{{ shop.name }} best sellers, picked for you:',
    },
  },
  complementary_items: {
    friendly: {
      subject: 'Goes well with your {{ shop.name }} order',
      preheader: 'Pieces that pair nicely with what you bought.',
      headline: 'Made to go together',
      intro: 'Customers who bought what you did also picked these.',
      cta: 'See the pairings',
      short: '{{ shop.name }}: these go well with your order.',
    },
    urgent: {
      subject: 'Complete the set: {{ items[0].title }}',
      preheader: 'Get the most out of your order.',
      headline: 'Complete the set',
      intro: 'Add these to get the most out of your purchase.',
      cta: 'Complete my set',
      short: '{{ shop.name }}: complete your set with {{ items[0].title }}.',
    },
  },
  clearance: {
    friendly: {
      subject: 'Last chance picks at {{ shop.name }}',
      preheader: 'A few favourites are nearly gone.',
      headline: 'Nearly gone',
      intro: 'We are clearing these out: here is a look before they go.',
      cta: 'Browse the clearance',
      short: '{{ shop.name }}: last chance on {{ items[0].title }}.',
    },
    urgent: {
      subject: 'Final stock: {{ items[0].title }}',
      preheader: 'When it is gone, it is gone.',
      headline: 'Final stock',
      intro: 'These will not be restocked.',
      cta: 'Get it before it is gone',
      short: '{{ shop.name }}: final stock of {{ items[0].title }}.',
    },
  },
  winback_offer: {
    friendly: {
      subject: 'We miss you at {{ shop.name }}{% if discount %}: {{ discount.percent }}% off{% endif %}',
      preheader: '{% if discount %}Use {{ discount.code }} on your next order.{% else %}See what is new since your last visit.{% endif %}',
      headline: 'It has been a while',
      intro: '{% if discount %}Here is {{ discount.percent }}% off your next order, just for you.{% else %}Here is what is new since your last visit.{% endif %}',
      cta: 'Come back and see',
      short: '{{ shop.name }} misses you!{% if discount %} {{ discount.percent }}% off with code {{ discount.code }}.{% endif %}',
    },
    urgent: {
      subject: '{% if discount %}{{ discount.percent }}% off, this week only{% else %}New at {{ shop.name }} this week{% endif %}',
      preheader: '{% if discount %}Code {{ discount.code }} expires soon.{% else %}Fresh picks, selected for you.{% endif %}',
      headline: '{% if discount %}Your offer expires soon{% else %}New this week{% endif %}',
      intro: '{% if discount %}Use code {{ discount.code }} for {{ discount.percent }}% off before it expires.{% else %}We picked these new arrivals for you.{% endif %}',
      cta: 'Use my offer',
      short: '{{ shop.name }}:{% if discount %} {{ discount.percent }}% off with {{ discount.code }}, this week only.{% else %} new this week, picked for you.{% endif %}',
    },
  },
};

export const isContentType = (value: string): value is ContentType => (CONTENT_TYPES as readonly string[]).includes(value);
export const isCopyStyle = (value: string): value is CopyStyle => (COPY_STYLES as readonly string[]).includes(value);
