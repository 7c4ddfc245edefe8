// The verifiable log over HTTP (SPEC §5 "Verifiable"): leaves, signed blocks,
// RFC 6962/9162 inclusion and consistency proofs, the block-signing public
// key. Hashes are lowercase hex, as in block headers. Blocks and consistency
// proofs carry only tree hashes, so every authenticated party may read them;
// a leaf and its inclusion proof follow the record's visibility
// (ledger-access.ts), so a record hidden from a party cannot be probed by its
// hash either.
import type { FastifyInstance } from 'fastify';
import { publicKeyBase64, publicKeyId, publicKeyPem } from '../ledger/keys.js';
import { bearerSecurity, authErrorResponses } from './schemas.js';
import { callerOf, requireOperator } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { leafVisibleTo } from './ledger-access.js';
import {
  blockSchema, blocksQuerySchema, consistencyQuerySchema, hashListSchema, heightParamsSchema, inclusionQuerySchema, indexParamsSchema, leafSchema,
} from './ledger-schemas.js';
import { blockView, hashesView, hashView, leafView } from './ledger-views.js';
import type { LeafRow } from '../store/ledger-store.js';
import type { Party } from '../store/party-store.js';

const hexSchema = { type: 'string' } as const;

function objectOf(properties: Record<string, unknown>) {
  return { type: 'object', required: Object.keys(properties), properties } as const;
}

/** Proofs exist only for sizes the log has reached. */
async function requireTreeSize(context: ApiContext, size: number, name: string): Promise<void> {
  const treeSize = await context.ledger.treeSize();
  if (size > treeSize) throw new ApiError('invalid_request', `${name} ${size} is beyond the log's size ${treeSize}`);
}

/** The leaf at `index` if `caller` may read it; null when there is none or it is hidden (both answer 404). */
async function visibleLeaf(context: ApiContext, caller: Party, index: number): Promise<LeafRow | null> {
  return context.store.ledger.ledgerRead(async (reader) => {
    const [row] = await reader.readLeaves(index, index + 1);
    return row !== undefined && (await leafVisibleTo(caller, reader, row.kind, row.leaf)) ? row : null;
  });
}

function leafAndBlockRoutes(app: FastifyInstance, context: ApiContext, keyId: string): void {
  app.get<{ Params: { index: number } }>('/v1/ledger/leaves/:index', {
    schema: {
      summary: 'One leaf: its exact bytes and hash (visible as its record is)', tags: ['ledger'], security: bearerSecurity,
      params: indexParamsSchema, response: { 200: objectOf({ leaf: leafSchema }), ...authErrorResponses },
    },
  }, async (request) => {
    const { index } = request.params;
    const leaf = await visibleLeaf(context, callerOf(request), index);
    if (leaf === null) throw new ApiError('not_found', `leaf ${index} not found`);
    return { leaf: leafView(leaf) };
  });

  app.get<{ Querystring: { from: number; limit: number } }>('/v1/ledger/blocks', {
    schema: {
      summary: 'Signed block headers from height `from`', tags: ['ledger'], security: bearerSecurity, querystring: blocksQuerySchema,
      response: { 200: objectOf({ blocks: { type: 'array', items: blockSchema } }), ...authErrorResponses },
    },
  }, async (request) => ({ blocks: (await context.ledger.blocks(request.query.from, request.query.limit)).map((block) => blockView(block, keyId)) }));

  app.get<{ Params: { height: number } }>('/v1/ledger/blocks/:height', {
    schema: {
      summary: 'One signed block header', tags: ['ledger'], security: bearerSecurity, params: heightParamsSchema,
      response: { 200: objectOf({ block: blockSchema }), ...authErrorResponses },
    },
  }, async (request) => {
    const [block] = await context.ledger.blocks(request.params.height, 1);
    if (block === undefined || block.height !== request.params.height) throw new ApiError('not_found', `block ${request.params.height} not found`);
    return { block: blockView(block, keyId) };
  });

  app.post('/v1/ledger/blocks', {
    schema: {
      summary: 'Seal the log now into a signed block (operator); the last block again when nothing was appended since', tags: ['ledger'],
      security: bearerSecurity, response: { 200: objectOf({ block: blockSchema }), ...authErrorResponses },
    },
  }, async (request) => {
    requireOperator(request);
    return { block: blockView(await context.ledger.sealBlock(context.nowMs()), keyId) };
  });
}

/** SPEC §5 "Trusted heads": what a verifier saves as a JSON file and later passes to `verify-ledger --trusted-head`. */
function headRoute(app: FastifyInstance, context: ApiContext, keyId: string): void {
  app.get('/v1/ledger/head', {
    schema: {
      summary: 'The latest signed head (block header), to hold and verify the log against later (`gridsettle verify-ledger --trusted-head`)', tags: ['ledger'],
      security: bearerSecurity,
      response: {
        200: objectOf({ head: blockSchema, treeSize: { type: 'integer' }, unsealedRecords: { type: 'integer', description: 'records after the head, sealed within the configured wait' } }),
        ...authErrorResponses,
      },
    },
  }, async () => {
    const { block, treeSize, unsealedRecords } = await context.ledger.head();
    if (block === null) throw new ApiError('not_found', 'no block is sealed yet');
    return { head: blockView(block, keyId), treeSize, unsealedRecords };
  });
}

function proofRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: { index: number; treeSize: number } }>('/v1/ledger/proofs/inclusion', {
    schema: {
      summary: 'RFC 9162 inclusion proof of leaf `index` in the tree of `treeSize` leaves (visible as its record is)', tags: ['ledger'], security: bearerSecurity,
      querystring: inclusionQuerySchema,
      response: { 200: objectOf({ index: { type: 'integer' }, treeSize: { type: 'integer' }, leafHash: hexSchema, rootHash: hexSchema, proof: hashListSchema }), ...authErrorResponses },
    },
  }, async (request) => {
    const { index, treeSize } = request.query;
    await requireTreeSize(context, treeSize, 'treeSize');
    if (index >= treeSize) throw new ApiError('invalid_request', `index ${index} is not below treeSize ${treeSize}`);
    const leaf = await visibleLeaf(context, callerOf(request), index);
    if (leaf === null) throw new ApiError('not_found', `leaf ${index} not found`);
    const proof = await context.ledger.inclusionProof(index, treeSize);
    return { index, treeSize, leafHash: hashView(leaf.hash), rootHash: hashView(await context.ledger.rootAt(treeSize)), proof: hashesView(proof) };
  });

  app.get<{ Querystring: { from: number; to: number } }>('/v1/ledger/proofs/consistency', {
    schema: {
      summary: 'RFC 9162 consistency proof from the tree of `from` leaves to the tree of `to` leaves', tags: ['ledger'], security: bearerSecurity,
      querystring: consistencyQuerySchema,
      response: { 200: objectOf({ from: { type: 'integer' }, to: { type: 'integer' }, fromRoot: hexSchema, toRoot: hexSchema, proof: hashListSchema }), ...authErrorResponses },
    },
  }, async (request) => {
    const { from, to } = request.query;
    await requireTreeSize(context, to, 'to');
    if (from > to) throw new ApiError('invalid_request', `from ${from} is greater than to ${to}`);
    const proof = await context.ledger.consistencyProof(from, to);
    return { from, to, fromRoot: hashView(await context.ledger.rootAt(from)), toRoot: hashView(await context.ledger.rootAt(to)), proof: hashesView(proof) };
  });
}

export function ledgerLogRoutes(app: FastifyInstance, context: ApiContext): void {
  const { publicKey } = context.ledger;
  const keyId = publicKeyId(publicKey);
  leafAndBlockRoutes(app, context, keyId);
  headRoute(app, context, keyId);
  proofRoutes(app, context);
  app.get('/v1/ledger/public-key', {
    schema: {
      summary: 'The Ed25519 key that signs block headers', tags: ['ledger'], security: bearerSecurity,
      response: { 200: objectOf({ algorithm: { type: 'string' }, publicKeyId: hexSchema, spkiBase64: { type: 'string' }, pem: { type: 'string' } }), ...authErrorResponses },
    },
  }, async () => ({ algorithm: 'Ed25519', publicKeyId: keyId, spkiBase64: publicKeyBase64(publicKey), pem: publicKeyPem(publicKey) }));
}
