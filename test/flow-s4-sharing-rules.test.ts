// S4 rules without HTTP (host/flows/sharing-rules.ts): SPEC §4's reading of
// who pays whom — the beneficiary is debited the compensation, each occupant
// credited its share — as ledger transfers with ids derived from the event.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkSharingParties, sharingClearingAccount, sharingParties, sharingTransfers, shareInputOf, type SharingRequest,
} from '../host/flows/sharing-rules.js';
import { AccountFlags } from '../host/ledger/types.js';
import { GridsettleError } from '../host/errors.js';
import type { ShareOutput } from '../host/engine/share.js';

const REQUEST: SharingRequest = {
  currency: 'EUR', ts: 1_000, providerPartyId: 'host', beneficiaryPartyId: 'ben',
  energyMWh: 1, durationMs: 1_000, capacityMWh: 1, price: '0.31', alphaPpm: 0, betaPpm: 0, cRefPpm: 0,
  occupants: [{ partyId: 'a', share: 2 }, { partyId: 'b', share: 1 }, { partyId: 'a', share: 1 }],
};

function result(compensation: string, amounts: string[]): ShareOutput {
  return {
    avgPowerMilliW: 0, cRatePpm: 0, dodPpm: 0, weightPpm: 1_000_000, base: compensation, compensation,
    shares: amounts.map((amount, index) => ({ id: REQUEST.occupants[index]!.partyId, amount })),
  };
}

describe('S4 (SPEC §4): who pays whom', () => {
  it('the kernel input names occupants by their party ids, in input order', () => {
    const input = shareInputOf(REQUEST) as { occupants: unknown[]; price: unknown };
    assert.deepEqual(input.occupants, [{ id: 'a', share: 2 }, { id: 'b', share: 1 }, { id: 'a', share: 1 }]);
    assert.equal(input.price, '0.31');
  });

  it('the beneficiary pays the compensation into the clearing account; the clearing account pays each occupant its largest-remainder share', () => {
    // 7 µ by weights 2 : 1 : 1 is 3.5, 1.75, 1.75: floors 3, 1, 1; the 2 µ left go to the remainders 3 and 3 (indexes 1, 2).
    const { collect, shares } = sharingTransfers('ev', REQUEST, result('0.000007', ['0.000003', '0.000002', '0.000002']), 'clr');
    assert.deepEqual([collect!.id, collect!.debit, collect!.credit, collect!.amountMicro], ['s4:ev:collect', 'wallet:ben:EUR', 'clr', 7n]);
    assert.deepEqual(
      shares.map((transfer) => [transfer.id, transfer.debit, transfer.credit, transfer.amountMicro, transfer.refs]),
      [
        ['s4:ev:0', 'clr', 'wallet:a:EUR', 3n, ['s4:ev:collect']],
        ['s4:ev:1', 'clr', 'wallet:b:EUR', 2n, ['s4:ev:collect']],
        ['s4:ev:2', 'clr', 'wallet:a:EUR', 2n, ['s4:ev:collect']],
      ],
    );
    assert.equal(collect!.amountMicro, shares.reduce((sum, transfer) => sum + transfer.amountMicro, 0n));
  });

  it('a share of 0 µ gets no transfer (the ledger moves positive amounts only) and the other ids keep their occupant index', () => {
    // 1 µ by weights 1 : 1 : 2: the one µ goes to the largest remainder, occupant 2.
    const request = { ...REQUEST, occupants: [{ partyId: 'a', share: 1 }, { partyId: 'b', share: 1 }, { partyId: 'c', share: 2 }] };
    const { sharesMicro, shares } = sharingTransfers('ev', request, result('0.000001', ['0.000000', '0.000000', '0.000001']), 'clr');
    assert.deepEqual(sharesMicro, [0n, 0n, 1n]);
    assert.deepEqual(shares.map((transfer) => transfer.id), ['s4:ev:2']);
  });

  it('a compensation of 0 µ moves nothing', () => {
    assert.deepEqual(sharingTransfers('ev', REQUEST, result('0.000000', ['0.000000', '0.000000', '0.000000']), 'clr'), { sharesMicro: [0n, 0n, 0n], collect: null, shares: [] });
  });

  it('the clearing account is prepaid-flagged: it can never pay out more than it collected', () => {
    const account = sharingClearingAccount('op', 'EUR');
    assert.deepEqual([account.id, account.party, account.flags], ['s4-clearing:op:EUR', 'op', AccountFlags.debitsMustNotExceedCredits]);
  });

  it('the parties of the event are provider, beneficiary and occupants, once each', () => {
    assert.deepEqual(sharingParties(REQUEST), ['host', 'ben', 'a', 'b']);
  });

  it('the provider is not the beneficiary and the beneficiary is no occupant (invalid_input)', () => {
    const isInvalidInput = (error: unknown) => error instanceof GridsettleError && error.code === 'invalid_input';
    assert.throws(() => checkSharingParties({ ...REQUEST, providerPartyId: 'ben' }), isInvalidInput);
    assert.throws(() => checkSharingParties({ ...REQUEST, occupants: [{ partyId: 'ben', share: 1 }] }), isInvalidInput);
    assert.doesNotThrow(() => checkSharingParties({ ...REQUEST, occupants: [{ partyId: 'host', share: 1 }] }));
  });
});
