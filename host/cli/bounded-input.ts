// The CLI's stdin, read whole but bounded: past CLI_INPUT_BYTES_MAX the
// command is `limit_exceeded` before the text could pass V8's longest string.
import { limitExceeded } from '../errors.js';
import { CLI_INPUT_BYTES_MAX } from '../limits.js';

/** `source` as UTF-8 text; more than `maxBytes` bytes (a limit configured down, never up) is limit_exceeded. */
export async function readBoundedText(source: AsyncIterable<Buffer>, maxBytes: number = CLI_INPUT_BYTES_MAX): Promise<string> {
  const bytesMax = Math.min(maxBytes, CLI_INPUT_BYTES_MAX);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    if (bytes > bytesMax) throw limitExceeded('CLI_INPUT_BYTES_MAX', `input is larger than ${bytesMax} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
