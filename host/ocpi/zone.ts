// Which local time the restrictions are read in. OCPI puts start_time,
// end_time, dates and weekdays in the charge point's local time; the CDR
// rarely says which zone that is, so the choice goes: the caller's
// `timezone`, else the location's `time_zone`, else the one zone of the
// location's country, else UTC when the CDR names no country at all.
import { invalidInput } from '../errors.js';
import { checkTimezone } from '../tariff/timezone.js';

export type TimezoneSource = 'input' | 'location' | 'country' | 'default';

/**
 * ISO 3166-1 alpha-3 countries (OCPI `cdr_location.country`) whose whole
 * territory keeps one civil time, mapped to that IANA zone. Overseas parts
 * that keep another time carry their own ISO codes (GUF, REU, BES, GRL, …).
 * Countries with same-rule alias zones (DEU's Busingen) count as one zone.
 */
const SINGLE_ZONE_COUNTRIES: Readonly<Record<string, string>> = {
  ALB: 'Europe/Tirane', AND: 'Europe/Andorra', AUT: 'Europe/Vienna', BEL: 'Europe/Brussels', BGR: 'Europe/Sofia',
  BIH: 'Europe/Sarajevo', CHE: 'Europe/Zurich', CZE: 'Europe/Prague', DEU: 'Europe/Berlin', DNK: 'Europe/Copenhagen',
  EST: 'Europe/Tallinn', FIN: 'Europe/Helsinki', FRA: 'Europe/Paris', GBR: 'Europe/London', GRC: 'Europe/Athens',
  HRV: 'Europe/Zagreb', HUN: 'Europe/Budapest', IRL: 'Europe/Dublin', ISL: 'Atlantic/Reykjavik', ITA: 'Europe/Rome',
  LIE: 'Europe/Vaduz', LTU: 'Europe/Vilnius', LUX: 'Europe/Luxembourg', LVA: 'Europe/Riga', MCO: 'Europe/Monaco',
  MKD: 'Europe/Skopje', MLT: 'Europe/Malta', MNE: 'Europe/Podgorica', NLD: 'Europe/Amsterdam', NOR: 'Europe/Oslo',
  POL: 'Europe/Warsaw', ROU: 'Europe/Bucharest', SRB: 'Europe/Belgrade', SVK: 'Europe/Bratislava', SVN: 'Europe/Ljubljana',
  SWE: 'Europe/Stockholm', TUR: 'Europe/Istanbul', ISR: 'Asia/Jerusalem', ARE: 'Asia/Dubai', IND: 'Asia/Kolkata',
  JPN: 'Asia/Tokyo', KOR: 'Asia/Seoul', SGP: 'Asia/Singapore', HKG: 'Asia/Hong_Kong', TWN: 'Asia/Taipei',
  THA: 'Asia/Bangkok', ZAF: 'Africa/Johannesburg',
};

/** Countries spanning several civil times: the CDR must say which one (or the caller must). */
const MULTI_ZONE_COUNTRIES: ReadonlySet<string> = new Set([
  'ARG', 'AUS', 'BRA', 'CAN', 'CHL', 'CHN', 'COD', 'ECU', 'ESP', 'IDN', 'KAZ', 'KIR', 'MEX', 'MNG', 'NZL', 'PRT', 'RUS',
  'UKR', 'USA',
]);

/** The zone restrictions are read in, and where it came from. */
export function chooseTimezone(
  inputTimezone: unknown, locationTimezone: string | null, country: string | null,
): { timezone: string; source: TimezoneSource } {
  if (inputTimezone !== undefined && inputTimezone !== null) {
    if (typeof inputTimezone !== 'string') throw invalidInput(`timezone must be an IANA zone name, got ${JSON.stringify(inputTimezone)}`);
    checkTimezone(inputTimezone);
    return { timezone: inputTimezone, source: 'input' };
  }
  if (locationTimezone !== null) {
    checkTimezone(locationTimezone);
    return { timezone: locationTimezone, source: 'location' };
  }
  if (country === null) return { timezone: 'UTC', source: 'default' };
  const zone = Object.hasOwn(SINGLE_ZONE_COUNTRIES, country) ? SINGLE_ZONE_COUNTRIES[country] : undefined;
  if (zone !== undefined) return { timezone: zone, source: 'country' };
  const reason = MULTI_ZONE_COUNTRIES.has(country) ? 'spans several time zones' : 'is not in the table of single-zone countries';
  throw invalidInput(
    `timezone unknown: country ${JSON.stringify(country)} ${reason}; give cdr_location.time_zone or a timezone (e.g. --timezone America/New_York)`,
  );
}
