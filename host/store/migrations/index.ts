// Versioned schema migrations, one file per version, each with the SQL of
// both dialects. Append only: a released migration is never edited.
import type { Migration } from '../migrate.js';

export const MIGRATIONS: readonly Migration[] = [];
