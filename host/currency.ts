// ISO 4217 currencies and their minor-unit exponents (SPEC §1: statement
// amounts carry exactly the exponent's decimals; unknown codes are rejected).
//
// Source: ISO 4217 List One (current currency & funds), as published by the
// SIX maintenance agency, amended to 2026 (currencies; the fund codes BOV,
// CHE, CHW, COU, MXV, USN and XDR are not billing currencies, CLF, UYI and
// UYW are kept as before). Withdrawn codes are not accepted: HRK (euro
// 2023-01-01), SLL (SLE 2022, withdrawn 2024), CUC (withdrawn 2021), ZWL
// (ZWG 2024), ANG (XCG 2025-03-31, withdrawn 2025), BGN (euro 2026-01-01).
import { formatFixed } from './decimal.js';
import { invalidInput } from './errors.js';

const ISO_4217_CODES = (
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN ' +
  'BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP ' +
  'GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR ' +
  'KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN ' +
  'MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR ' +
  'SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX ' +
  'USD UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG'
).split(' ');

const EXPONENT_EXCEPTIONS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

const KNOWN = new Set(ISO_4217_CODES);

/** The ISO 4217 minor-unit exponent of `code`; `invalid_input` for an unknown code. */
export function currencyExponent(code: unknown): number {
  if (typeof code !== 'string' || !KNOWN.has(code)) {
    throw invalidInput(`unknown currency ${JSON.stringify(code)} (expected an ISO 4217 code such as "EUR")`);
  }
  return EXPONENT_EXCEPTIONS[code] ?? 2;
}

/** µ in one minor unit of `code` (EUR 10 000, JPY 1 000 000, KWD 1 000); `invalid_input` for an unknown code. */
export function microPerMinorUnit(code: unknown): bigint {
  return 10n ** BigInt(6 - currencyExponent(code));
}

/** A µ amount that is a whole number of minor units, as a statement amount ("12.34", "-0.16", JPY "1234"). */
export function formatMinorAmount(amountMicro: bigint, code: string): string {
  const perMinor = microPerMinorUnit(code);
  if (amountMicro % perMinor !== 0n) throw new RangeError(`formatMinorAmount: ${amountMicro} µ is not a whole number of ${code} minor units`);
  return formatFixed(amountMicro / perMinor, currencyExponent(code));
}
