// Time-based sealing (SPEC §5 "Trusted heads"): records must not stay
// unsealed longer than a configured wait, or a verifier's held head could
// never cover them. Leaves carry no arrival time, so each checker notes when
// it first saw records above the last block and seals once they have
// waited `sealAfterMs` by its clock. Several hosts may check one database:
// `sealUnsealedSince` seals only if no one sealed since, under the write lock.
import type { BlockRow } from '../store/ledger-store.js';
import type { Ledger } from './ledger.js';

export class TimedSealer {
  /** Unsealed records above the block sealing `sealedSize` leaves were first seen at `sinceMs`. */
  private waiting: { sealedSize: number; sinceMs: number } | null = null;

  constructor(private readonly ledger: Ledger, private readonly sealAfterMs: number) {}

  /** One check at `nowMs`: the new block when records had waited long enough, else null. */
  async check(nowMs: number): Promise<BlockRow | null> {
    const { block, unsealedRecords } = await this.ledger.head();
    const sealedSize = block?.treeSize ?? 0;
    if (unsealedRecords === 0) {
      this.waiting = null;
      return null;
    }
    if (this.waiting?.sealedSize !== sealedSize) this.waiting = { sealedSize, sinceMs: nowMs };
    if (nowMs - this.waiting.sinceMs < this.sealAfterMs) return null;
    this.waiting = null;
    return this.ledger.sealUnsealedSince(sealedSize, nowMs);
  }
}
