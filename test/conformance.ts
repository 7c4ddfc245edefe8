// The external vectors live beside the checkout (../shared/conformance),
// in CI as well; tests read them where they lie.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function conformancePath(...parts: string[]): string {
  const root = join(REPOSITORY_ROOT, '..', 'shared', 'conformance');
  if (!existsSync(root)) throw new Error(`conformance vectors not found at ${root}: ../shared must lie beside the checkout`);
  return join(root, ...parts);
}
