// Scenario knobs of the hidden world. A scenario changes how customers differ and how long the shop has
// been learning; the base rates (calibration.ts) stay the same in every scenario.

export type ZoneShare = { zone: string; share: number };

export type Scenario = {
  name: string;
  description: string;
  /** Scales every per-customer spread: 1 is the default world, 0 makes all customers identical. */
  heterogeneity: number;
  /** Weeks every policy runs and learns before measurement starts. */
  historyWeeks: number;
  /** Weeks that are measured. */
  evalWeeks: number;
  shopTimeZone: string;
  timeZones: readonly ZoneShare[];
  /** Share of customers whose favourite channel and active hours change half-way through. */
  drift: number;
  customers: number;
};

const EUROPE_AND_BEYOND: readonly ZoneShare[] = [
  { zone: 'Europe/Berlin', share: 0.5 },
  { zone: 'Europe/London', share: 0.15 },
  { zone: 'America/New_York', share: 0.15 },
  { zone: 'America/Los_Angeles', share: 0.08 },
  { zone: 'Asia/Tokyo', share: 0.07 },
  { zone: 'Australia/Sydney', share: 0.05 },
];

const base: Scenario = {
  name: 'default',
  description: 'heterogeneous customers, shop in Berlin with a third of its customers abroad, 12 weeks of history, 8 measured',
  heterogeneity: 1,
  historyWeeks: 12,
  evalWeeks: 8,
  shopTimeZone: 'Europe/Berlin',
  timeZones: EUROPE_AND_BEYOND,
  drift: 0,
  customers: 2_000,
};

export const SCENARIOS: Record<string, Scenario> = {
  default: base,
  'no-heterogeneity': {
    ...base,
    name: 'no-heterogeneity',
    description: 'every customer identical (same channels, hours, zone, price response): personalisation has nothing to find',
    heterogeneity: 0,
    timeZones: [{ zone: 'Europe/Berlin', share: 1 }],
  },
  'small-shop': { ...base, name: 'small-shop', description: 'default customers, 300 of them', customers: 300 },
  'short-history': { ...base, name: 'short-history', description: 'default customers, 2 weeks of history before measuring', historyWeeks: 2 },
  'long-history': { ...base, name: 'long-history', description: 'default customers, 26 weeks of history before measuring', historyWeeks: 26 },
  local: { ...base, name: 'local', description: 'default customers, all in the shop time zone', timeZones: [{ zone: 'Europe/Berlin', share: 1 }] },
  global: {
    ...base,
    name: 'global',
    description: 'default customers spread evenly over six zones around the world',
    timeZones: EUROPE_AND_BEYOND.map((z) => ({ zone: z.zone, share: 1 / EUROPE_AND_BEYOND.length })),
  },
  drift: { ...base, name: 'drift', description: 'default customers; 40 % change favourite channel and hours mid-history', drift: 0.4 },
};

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS[name];
  if (!s) throw new Error(`unknown scenario "${name}"; choose one of: ${Object.keys(SCENARIOS).join(', ')}`);
  return s;
}
