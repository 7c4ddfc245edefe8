// An OCPI 2.2.1 Tariff object into its integer form. Unknown keys of the
// tariff itself are ignored (OCPI objects carry texts, URLs, energy mix);
// elements, components, restrictions and prices are checked key by key,
// since a misspelt restriction must not be billed as absent.
import { currencyExponent } from '../currency.js';
import { invalidInput, limitExceeded } from '../errors.js';
import { expectArray, expectKeys, expectObject, expectString } from '../tariff/fields.js';
import { MONEY_SCALE, PERCENT_SCALE, optional, parseCount, parseDateTimeMs, parseQuantity } from './numbers.js';
import { OCPI_PRICE_COMPONENTS_MAX, OCPI_STEP_SIZE_MAX, OCPI_TARIFF_ELEMENTS_MAX } from './ocpi-limits.js';
import { parseRestrictions } from './restrictions.js';
import { OCPI_DIMENSIONS } from './types.js';
import type { CompiledTariff, Components, OcpiDimension, PriceBound, PriceComponent, TariffElement } from './types.js';

export function parseTariff(value: unknown, field: string): CompiledTariff {
  const tariff = expectObject(value, field);
  const id = optional(tariff, 'id');
  const currency = expectString(tariff.currency, `${field}.currency`);
  currencyExponent(currency);
  const elements = expectArray(tariff.elements, `${field}.elements`);
  if (elements.length === 0) throw invalidInput(`${field}.elements must hold at least one element`);
  if (elements.length > OCPI_TARIFF_ELEMENTS_MAX) {
    throw limitExceeded('OCPI_TARIFF_ELEMENTS_MAX', `${field}.elements has ${elements.length} elements, more than ${OCPI_TARIFF_ELEMENTS_MAX}`);
  }
  const validFrom = optional(tariff, 'start_date_time');
  const validTo = optional(tariff, 'end_date_time');
  const compiled: CompiledTariff = {
    id: id === undefined ? null : expectString(id, `${field}.id`),
    currency,
    elements: elements.map((element, index) => parseElement(element, index, `${field}.elements[${index}]`)),
    validFromMs: validFrom === undefined ? null : parseDateTimeMs(validFrom, `${field}.start_date_time`),
    validToMs: validTo === undefined ? null : parseDateTimeMs(validTo, `${field}.end_date_time`),
    minPrice: parseBound(optional(tariff, 'min_price'), `${field}.min_price`),
    maxPrice: parseBound(optional(tariff, 'max_price'), `${field}.max_price`),
  };
  if (compiled.minPrice !== null && compiled.maxPrice !== null && compiled.minPrice.exclVatMicro > compiled.maxPrice.exclVatMicro) {
    throw invalidInput(`${field}.min_price is above ${field}.max_price`);
  }
  return compiled;
}

function parseElement(value: unknown, index: number, field: string): TariffElement {
  const element = expectObject(value, field);
  expectKeys(element, ['price_components', 'restrictions'], field);
  const list = expectArray(element.price_components, `${field}.price_components`);
  if (list.length === 0) throw invalidInput(`${field}.price_components must hold at least one component`);
  if (list.length > OCPI_PRICE_COMPONENTS_MAX) {
    throw limitExceeded('OCPI_PRICE_COMPONENTS_MAX', `${field}.price_components has ${list.length} components, more than one per dimension type`);
  }
  const components: Components = {};
  list.forEach((entry, position) => {
    const where = `${field}.price_components[${position}]`;
    const [dimension, component] = parseComponent(entry, index, where);
    if (components[dimension] !== undefined) throw invalidInput(`${where}: a second ${dimension} component in one element`);
    components[dimension] = component;
  });
  return { index, components, restrictions: parseRestrictions(optional(element, 'restrictions'), `${field}.restrictions`) };
}

function parseComponent(value: unknown, elementIndex: number, field: string): [OcpiDimension, PriceComponent] {
  const component = expectObject(value, field);
  expectKeys(component, ['type', 'price', 'vat', 'step_size'], field);
  const dimension = component.type as OcpiDimension;
  if (!OCPI_DIMENSIONS.includes(dimension)) {
    throw invalidInput(`${field}.type must be one of ${OCPI_DIMENSIONS.join(', ')}, got ${JSON.stringify(component.type)}`);
  }
  const vat = optional(component, 'vat');
  const stepSize = parseCount(component.step_size, `${field}.step_size`);
  if (stepSize > OCPI_STEP_SIZE_MAX) throw limitExceeded('OCPI_STEP_SIZE_MAX', `${field}.step_size ${stepSize} is above ${OCPI_STEP_SIZE_MAX}`);
  return [dimension, {
    elementIndex,
    priceMicro: parseQuantity(component.price, `${field}.price`, MONEY_SCALE),
    vatPercentMicro: vat === undefined ? null : parseQuantity(vat, `${field}.vat`, PERCENT_SCALE),
    stepSize,
  }];
}

function parseBound(value: unknown, field: string): PriceBound | null {
  if (value === undefined) return null;
  const bound = expectObject(value, field);
  expectKeys(bound, ['excl_vat', 'incl_vat'], field);
  const inclVat = optional(bound, 'incl_vat');
  return {
    exclVatMicro: parseQuantity(bound.excl_vat, `${field}.excl_vat`, MONEY_SCALE),
    inclVatMicro: inclVat === undefined ? null : parseQuantity(inclVat, `${field}.incl_vat`, MONEY_SCALE),
  };
}

/** Whether the tariff is in force at `instantMs` (its start_date_time inclusive, end_date_time exclusive). */
export function tariffInForce(tariff: CompiledTariff, instantMs: number): boolean {
  return (tariff.validFromMs === null || instantMs >= tariff.validFromMs) && (tariff.validToMs === null || instantMs < tariff.validToMs);
}
