// `gridsettle serve` and `gridsettle init` (docs/api.md "Configuration").
// Flags win over environment variables; GRIDSETTLE_PG_URL selects PostgreSQL.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildApp } from '../api/app.js';
import { ConfigError, PG_URL_ENV, SECRET_KEY_ENV, sealingKeyFromHex, storeLocationOf, type LocationOptions } from '../api/config.js';
import { openStore } from '../store/open-store.js';
import { AlreadyInitialisedError, FIRST_OPERATOR_ID, initOperator } from './init.js';

export const PORT_DEFAULT = 8080;
export const HOST_DEFAULT = '127.0.0.1';
const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;

function failInput(code: string, message: string): number {
  process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
  return EXIT_BAD_INPUT;
}

/** Bad flags and configuration exit 2 with a catalogue-shaped error; anything else propagates (exit 1). */
async function withInputErrors(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ConfigError) return failInput('invalid_config', error.message);
    if (error instanceof AlreadyInitialisedError) return failInput('already_initialised', error.message);
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) return failInput('invalid_arguments', (error as Error).message);
    throw error;
  }
}

function locationOf(db: string | undefined): LocationOptions {
  const location: LocationOptions = {};
  const postgresUrl = process.env[PG_URL_ENV];
  if (postgresUrl !== undefined && postgresUrl !== '') location.postgresUrl = postgresUrl;
  const sqlitePath = db ?? process.env.GRIDSETTLE_DB;
  if (sqlitePath !== undefined) location.sqlitePath = sqlitePath;
  return location;
}

function portOf(text: string | undefined): number {
  const port = Number(text ?? PORT_DEFAULT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`port must be an integer 0 … 65535, got ${text}`);
  return port;
}

export function serve(args: string[]): Promise<number> {
  return withInputErrors(async () => {
    const { values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' } } });
    const port = portOf(values.port ?? process.env.GRIDSETTLE_PORT);
    const host = values.host ?? process.env.GRIDSETTLE_HOST ?? HOST_DEFAULT;
    const sealingKey = sealingKeyFromHex(process.env[SECRET_KEY_ENV]);
    const app = await buildApp({ ...locationOf(values.db), sealingKey, logger: { level: process.env.GRIDSETTLE_LOG_LEVEL ?? 'info' } });
    let closing = false;
    // app.close() stops accepting connections, lets in-flight batches commit and answer, then closes the store.
    const shutDown = (signal: NodeJS.Signals): void => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down');
      app.close().then(() => process.exit(EXIT_OK), (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.once('SIGTERM', shutDown);
    process.once('SIGINT', shutDown);
    await app.listen({ port, host });
    return EXIT_OK;
  });
}

export function init(args: string[]): Promise<number> {
  return withInputErrors(async () => {
    const { values } = parseArgs({ args, options: { db: { type: 'string' }, party: { type: 'string' } } });
    const configuredKey = process.env[SECRET_KEY_ENV];
    // Without a configured key, init generates one; serve needs the same key to open gateway secrets.
    const generatedKeyHex = configuredKey === undefined || configuredKey === '' ? randomBytes(32).toString('hex') : null;
    const sealingKey = sealingKeyFromHex(generatedKeyHex ?? configuredKey);
    const store = await openStore(storeLocationOf(locationOf(values.db)), sealingKey);
    try {
      const result = await initOperator(store, Date.now(), values.party ?? FIRST_OPERATOR_ID);
      const output = generatedKeyHex === null ? result : { ...result, secretKey: generatedKeyHex, note: `set ${SECRET_KEY_ENV} to secretKey before gridsettle serve` };
      process.stdout.write(`${JSON.stringify(output)}\n`);
    } finally {
      await store.close();
    }
    return EXIT_OK;
  });
}
