// `gridsettle ocpi-price` input: the object {tariff?, cdr | session, timezone?}
// on stdin, or the tariff and the CDR as files (SPEC §7's `--tariff FILE
// --cdr FILE`); `--timezone` overrides whichever zone the input gives.
import { readFileSync, statSync } from 'node:fs';
import { GridsettleError, invalidInput, limitExceeded } from '../errors.js';
import { CLI_INPUT_BYTES_MAX } from '../limits.js';
import type { OcpiPriceInput } from '../ocpi/price.js';

const OPTIONS = ['--tariff', '--cdr', '--timezone'] as const;
type Option = (typeof OPTIONS)[number];

function parseOptions(args: readonly string[]): Partial<Record<Option, string>> {
  const options: Partial<Record<Option, string>> = {};
  for (let index = 0; index < args.length; index += 2) {
    const name = OPTIONS.find((option) => option === args[index]);
    const value = args[index + 1];
    if (name === undefined) throw invalidInput(`ocpi-price: unknown option ${JSON.stringify(args[index])} (expected ${OPTIONS.join(', ')})`);
    if (value === undefined) throw invalidInput(`ocpi-price: ${name} needs a value`);
    options[name] = value;
  }
  return options;
}

function readJsonFile(path: string, option: string): unknown {
  let text: string;
  try {
    if (statSync(path).size > CLI_INPUT_BYTES_MAX) throw limitExceeded('CLI_INPUT_BYTES_MAX', `${option} ${path} is larger than ${CLI_INPUT_BYTES_MAX} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof GridsettleError) throw error;
    throw invalidInput(`${option} ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidInput(`${option} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The pricing input: from the files when `--cdr` is given, else the JSON object on stdin. */
export async function ocpiPriceInput(args: readonly string[], readStdinJson: () => Promise<unknown>): Promise<OcpiPriceInput> {
  const options = parseOptions(args);
  const input = (options['--cdr'] === undefined ? await readStdinJson() : { cdr: readJsonFile(options['--cdr'], '--cdr') }) as OcpiPriceInput;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidInput('ocpi-price: stdin must be a JSON object {tariff, cdr, timezone?}');
  return {
    ...input,
    ...(options['--tariff'] === undefined ? {} : { tariff: readJsonFile(options['--tariff'], '--tariff') }),
    ...(options['--timezone'] === undefined ? {} : { timezone: options['--timezone'] }),
  };
}
