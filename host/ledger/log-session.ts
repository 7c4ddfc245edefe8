// Appending to the verifiable log inside one ledger write: loads the tree's
// right edge (O(log n) nodes), turns each record into its leaf and new
// nodes, and seals a block when asked or when enough records accumulated.
import { leafOfText } from './sha256.js';
import { canonicalJson } from './canonical-json.js';
import { TreeAppender, frontierKeys } from './merkle-log.js';
import { sealNext, type LedgerSigner } from './blocks.js';
import { emptyWrites, type BlockRow, type LedgerTransaction, type LedgerWrites } from '../store/ledger-store.js';

export class LogSession {
  readonly writes: LedgerWrites = emptyWrites();

  private constructor(private readonly tree: TreeAppender, private readonly lastBlock: BlockRow | null) {}

  static async open(transaction: LedgerTransaction): Promise<LogSession> {
    const size = await transaction.treeSize();
    const frontier = await transaction.readNodes(frontierKeys(size));
    return new LogSession(new TreeAppender(size, frontier), await transaction.lastBlock());
  }

  get treeSize(): number {
    return this.tree.size;
  }

  /** Appends one record (an object, or its canonical JSON text already) as a leaf; returns its index. */
  append(kind: string, recordId: string, record: Record<string, unknown> | string): number {
    const { leaf, hash } = leafOfText(typeof record === 'string' ? record : canonicalJson(record));
    const seq = this.tree.append(hash);
    this.writes.leaves.push({ seq, kind, recordId, leaf, hash });
    return seq;
  }

  /**
   * Seals a block when forced (and the tree grew since the last block, or
   * there is none yet) or when `recordsPerBlock` records are unsealed.
   * Returns the newest block.
   */
  seal(nowMs: number, signer: LedgerSigner, force: boolean, recordsPerBlock: number): BlockRow | null {
    const sealedSize = this.lastBlock?.treeSize ?? 0;
    const unsealed = this.tree.size - sealedSize;
    const due = force ? this.lastBlock === null || unsealed > 0 : unsealed >= recordsPerBlock;
    if (!due) return this.lastBlock;
    const block = sealNext(this.lastBlock, this.tree.size, this.tree.root(), nowMs, signer);
    this.writes.blocks.push(block);
    return block;
  }

  /** The writes, with the nodes the appends made. */
  finish(): LedgerWrites {
    // Leaf hashes travel with their leaves.
    this.writes.nodes = this.tree.newNodes.filter((node) => node.level > 0);
    return this.writes;
  }
}
