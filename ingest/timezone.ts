// A customer's IANA time zone, when the source does not send one, inferred from their address.
// Countries with one zone map directly; the large multi-zone countries map by state or province.
// Unknown combinations return undefined: a wrong zone is worse than none (send time falls back to the shop's).

const byCountry: Record<string, string> = {
  AT: 'Europe/Vienna', BE: 'Europe/Brussels', BG: 'Europe/Sofia', CH: 'Europe/Zurich', CZ: 'Europe/Prague', DE: 'Europe/Berlin',
  DK: 'Europe/Copenhagen', EE: 'Europe/Tallinn', ES: 'Europe/Madrid', FI: 'Europe/Helsinki', FR: 'Europe/Paris', GB: 'Europe/London',
  GR: 'Europe/Athens', HR: 'Europe/Zagreb', HU: 'Europe/Budapest', IE: 'Europe/Dublin', IS: 'Atlantic/Reykjavik', IT: 'Europe/Rome',
  LT: 'Europe/Vilnius', LU: 'Europe/Luxembourg', LV: 'Europe/Riga', NL: 'Europe/Amsterdam', NO: 'Europe/Oslo', PL: 'Europe/Warsaw',
  PT: 'Europe/Lisbon', RO: 'Europe/Bucharest', SE: 'Europe/Stockholm', SI: 'Europe/Ljubljana', SK: 'Europe/Bratislava', TR: 'Europe/Istanbul',
  UA: 'Europe/Kyiv', IL: 'Asia/Jerusalem', AE: 'Asia/Dubai', SA: 'Asia/Riyadh', IN: 'Asia/Kolkata', JP: 'Asia/Tokyo', KR: 'Asia/Seoul',
  CN: 'Asia/Shanghai', HK: 'Asia/Hong_Kong', SG: 'Asia/Singapore', TW: 'Asia/Taipei', TH: 'Asia/Bangkok', VN: 'Asia/Ho_Chi_Minh',
  PH: 'Asia/Manila', MY: 'Asia/Kuala_Lumpur', NZ: 'Pacific/Auckland', ZA: 'Africa/Johannesburg', NG: 'Africa/Lagos', EG: 'Africa/Cairo',
  KE: 'Africa/Nairobi', MA: 'Africa/Casablanca', AR: 'America/Argentina/Buenos_Aires', CL: 'America/Santiago', CO: 'America/Bogota',
  PE: 'America/Lima', UY: 'America/Montevideo',
};

const byRegion: Record<string, Record<string, string>> = {
  US: {
    AL: 'America/Chicago', AK: 'America/Anchorage', AZ: 'America/Phoenix', AR: 'America/Chicago', CA: 'America/Los_Angeles',
    CO: 'America/Denver', CT: 'America/New_York', DE: 'America/New_York', DC: 'America/New_York', FL: 'America/New_York',
    GA: 'America/New_York', HI: 'Pacific/Honolulu', ID: 'America/Boise', IL: 'America/Chicago', IN: 'America/Indiana/Indianapolis',
    IA: 'America/Chicago', KS: 'America/Chicago', KY: 'America/New_York', LA: 'America/Chicago', ME: 'America/New_York',
    MD: 'America/New_York', MA: 'America/New_York', MI: 'America/Detroit', MN: 'America/Chicago', MS: 'America/Chicago',
    MO: 'America/Chicago', MT: 'America/Denver', NE: 'America/Chicago', NV: 'America/Los_Angeles', NH: 'America/New_York',
    NJ: 'America/New_York', NM: 'America/Denver', NY: 'America/New_York', NC: 'America/New_York', ND: 'America/Chicago',
    OH: 'America/New_York', OK: 'America/Chicago', OR: 'America/Los_Angeles', PA: 'America/New_York', RI: 'America/New_York',
    SC: 'America/New_York', SD: 'America/Chicago', TN: 'America/Chicago', TX: 'America/Chicago', UT: 'America/Denver',
    VT: 'America/New_York', VA: 'America/New_York', WA: 'America/Los_Angeles', WV: 'America/New_York', WI: 'America/Chicago',
    WY: 'America/Denver', PR: 'America/Puerto_Rico',
  },
  CA: {
    AB: 'America/Edmonton', BC: 'America/Vancouver', MB: 'America/Winnipeg', NB: 'America/Moncton', NL: 'America/St_Johns',
    NS: 'America/Halifax', ON: 'America/Toronto', PE: 'America/Halifax', QC: 'America/Toronto', SK: 'America/Regina',
    NT: 'America/Yellowknife', NU: 'America/Iqaluit', YT: 'America/Whitehorse',
  },
  AU: {
    ACT: 'Australia/Sydney', NSW: 'Australia/Sydney', VIC: 'Australia/Melbourne', QLD: 'Australia/Brisbane', SA: 'Australia/Adelaide',
    WA: 'Australia/Perth', TAS: 'Australia/Hobart', NT: 'Australia/Darwin',
  },
  BR: { SP: 'America/Sao_Paulo', RJ: 'America/Sao_Paulo', MG: 'America/Sao_Paulo', RS: 'America/Sao_Paulo', PR: 'America/Sao_Paulo',
    SC: 'America/Sao_Paulo', BA: 'America/Bahia', PE: 'America/Recife', CE: 'America/Fortaleza', AM: 'America/Manaus', DF: 'America/Sao_Paulo' },
  MX: { CMX: 'America/Mexico_City', JAL: 'America/Mexico_City', NLE: 'America/Monterrey', BCN: 'America/Tijuana', SON: 'America/Hermosillo',
    ROO: 'America/Cancun', CHH: 'America/Chihuahua', YUC: 'America/Merida' },
};

export interface Address {
  /** ISO 3166-1 alpha-2, e.g. "US". */
  countryCode?: string | undefined;
  /** The state or province code the source uses, e.g. "CA" or "US-CA". */
  provinceCode?: string | undefined;
}

export function timezoneFromAddress(address: Address | undefined): string | undefined {
  const country = address?.countryCode?.trim().toUpperCase();
  if (!country) return undefined;
  const regions = byRegion[country];
  if (regions) {
    const province = address?.provinceCode?.trim().toUpperCase().replace(`${country}-`, '');
    return province ? regions[province] : undefined;
  }
  return byCountry[country];
}

const valid = new Map<string, boolean>();
/** True for a time zone name the runtime knows (IANA), e.g. "Europe/Berlin". */
export function isIanaZone(zone: string): boolean {
  let ok = valid.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      ok = zone.includes('/') || zone === 'UTC';
    } catch {
      ok = false;
    }
    valid.set(zone, ok);
  }
  return ok;
}
