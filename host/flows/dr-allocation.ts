// Allocation of a demand-response target across appliances (docs/flows.md
// "Demand response"): proportional to each appliance's flexible power, in
// whole watts, by largest remainder. Exact on bigint: Σ allocations = target,
// each within 1 W of its exact share, never above the appliance's flexible
// power, and independent of input order (ties go to the bytewise-lower id).
import { invalidInput } from '../errors.js';
import { FlowError } from './errors.js';
import { safeNumber } from '../exact.js';

export interface FlexibleAppliance {
  id: string;
  /** The appliance's flexible (curtailable) power, W ≥ 1: its weight and its cap. */
  flexiblePowerW: number;
}

export interface ReductionAllocation {
  id: string;
  reductionW: number;
}

/** Bytewise (UTF-8) order of ids: the tie-break of the allocation and the order of its output. */
export function compareIdsBytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkAllocationInput(targetW: number, appliances: readonly FlexibleAppliance[]): void {
  if (!Number.isSafeInteger(targetW) || targetW < 1) throw invalidInput(`targetW must be a positive integer, got ${targetW}`);
  if (appliances.length === 0) throw invalidInput('a reduction is allocated across at least one appliance');
  const seen = new Set<string>();
  for (const appliance of appliances) {
    if (!Number.isSafeInteger(appliance.flexiblePowerW) || appliance.flexiblePowerW < 1) {
      throw invalidInput(`appliance ${appliance.id}: flexiblePowerW must be a positive integer`);
    }
    if (seen.has(appliance.id)) throw invalidInput(`appliance ${appliance.id} is listed twice`);
    seen.add(appliance.id);
  }
}

/**
 * `q_i = floor(T·w_i / W)`; the `T − Σ q_i` watts left (fewer than the
 * appliances) go one each to the largest remainders `(T·w_i) mod W`, ties to
 * the bytewise-lower id. With T ≤ W every share is ≤ w_i, so the cap holds.
 * A target above W is `dr_target_exceeds_capacity`. Output in id order.
 */
export function allocateReduction(targetW: number, appliances: readonly FlexibleAppliance[]): ReductionAllocation[] {
  checkAllocationInput(targetW, appliances);
  const target = BigInt(targetW);
  const totalW = appliances.reduce((sum, appliance) => sum + BigInt(appliance.flexiblePowerW), 0n);
  if (target > totalW) {
    throw new FlowError('dr_target_exceeds_capacity', `targetW ${targetW} is above the appliances' flexible power together (${totalW} W)`);
  }
  const rows = [...appliances].sort((a, b) => compareIdsBytewise(a.id, b.id)).map((appliance) => {
    const product = target * BigInt(appliance.flexiblePowerW);
    return { id: appliance.id, shareW: product / totalW, remainder: product % totalW };
  });
  let leftoverW = target - rows.reduce((sum, row) => sum + row.shareW, 0n);
  // Rows are in id order and the sort is stable: equal remainders keep the lower id first.
  const byRemainder = rows.map((_, index) => index).sort((a, b) => {
    const difference = rows[b]!.remainder - rows[a]!.remainder;
    return difference > 0n ? 1 : difference < 0n ? -1 : 0;
  });
  for (const index of byRemainder) {
    if (leftoverW === 0n) break;
    rows[index]!.shareW += 1n;
    leftoverW -= 1n;
  }
  return rows.map((row) => ({ id: row.id, reductionW: safeNumber(row.shareW, 'shareW') }));
}
