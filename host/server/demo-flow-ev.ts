// S1 in the demo (docs/flows.md "S1"): the supplier publishes two sell
// offers and a buy offer; a charge-point operator registers a charge point
// and asks for the offers in force for a vehicle, ranked by exact expected
// cost; the driver charges for an hour at the cheapest; the charge point's
// meter readings arrive signed; the closed session debits the driver.
import { formatMinimal } from '../decimal.js';
import { SUPPLIER_ID } from './demo-play.js';
import {
  CPO_ID, CURRENCY, DRIVER_ID, HOUR_MS, VEHICLE_ID, QUARTER_MS, addFlowMeter, as, fundedWallet, money, postReadings, walletBalance, type FlowWorld,
} from './demo-flow-world.js';

const CHARGE_POINT_ID = 'cp-1';
const CHARGE_POINT_METER_ID = 'm-cp-1';
/** The charge point's power, and its meter's rating. */
const CHARGE_POINT_POWER_W = 22_000;
const DRIVER_FUNDS = '50.00';
const BATTERY = { capacityWh: 60_000, stateOfChargePpm: 400_000, maxChargePowerW: 11_000, maxDischargePowerW: 7_000 };
const DESIRED_ENERGY_WH = 11_000;
/** What the vehicle actually drew in each quarter of its hour, mWh (the meter's import register grows by these). */
const CHARGED_MWH = [2_700_000, 2_800_000, 2_900_000, 2_800_000];
const REGISTER_START_MWH = 5_000_000;
/** The readings arrive this long after the hour of charging. */
const READINGS_DELAY_MS = 5 * 60 * 1000;
const RANKS = ['1st', '2nd', '3rd'];

/** An offer valid four hours from `startMs`, its price series as [hours, price per kWh] steps. */
function offer(id: string, direction: 'sell' | 'buy', startMs: number, steps: Array<[number, string]>) {
  let fromMs = startMs;
  const slots = steps.map(([hours, price]) => {
    const slot = { fromMs, toMs: fromMs + hours * HOUR_MS, price };
    fromMs = slot.toMs;
    return slot;
  });
  return { id, direction, currency: CURRENCY, validFromMs: startMs, validToMs: fromMs, slots };
}

interface RankedOffer { rank: number; offerId: string; expectedAmount: string }
interface SessionView { state: string; settlement: { energyMWh: number; amount: string } | null }

async function publishOffers(world: FlowWorld, startMs: number): Promise<void> {
  const supplier = as(world, SUPPLIER_ID);
  await fundedWallet(world, SUPPLIER_ID, null);
  for (const body of [
    offer('sell-green', 'sell', startMs, [[2, '0.2890'], [2, '0.3120']]),
    offer('sell-dynamic', 'sell', startMs, [[1, '0.3450'], [3, '0.1990']]),
    offer('buy-v2g', 'buy', startMs, [[4, '0.1800']]),
  ]) {
    await supplier.json('POST', '/v1/ev/offers', body);
  }
}

async function rankedOffers(world: FlowWorld): Promise<RankedOffer[]> {
  const cpo = as(world, CPO_ID);
  await addFlowMeter(world, CHARGE_POINT_METER_ID, CPO_ID, CHARGE_POINT_POWER_W);
  await cpo.json('POST', '/v1/ev/charge-points', {
    id: CHARGE_POINT_ID, meterIds: [CHARGE_POINT_METER_ID], maxPowerW: CHARGE_POINT_POWER_W, geo: { lat: '52.5200066', lon: '13.404954' },
  });
  const { query } = await cpo.json<{ query: { offers: RankedOffer[] } }>('POST', `/v1/ev/charge-points/${CHARGE_POINT_ID}/offer-queries`, {
    vehicleId: VEHICLE_ID, mode: 'charge', currency: CURRENCY, battery: BATTERY, desiredEnergyWh: DESIRED_ENERGY_WH,
  });
  return query.offers;
}

/** The charge point's import register every quarter of the hour from `startMs`. */
function chargingFrames(startMs: number) {
  let registerMWh = REGISTER_START_MWH;
  const frames = [{ m: CHARGE_POINT_METER_ID, t: startMs, i: registerMWh }];
  CHARGED_MWH.forEach((energyMWh, quarter) => {
    registerMWh += energyMWh;
    frames.push({ m: CHARGE_POINT_METER_ID, t: startMs + (quarter + 1) * QUARTER_MS, i: registerMWh });
  });
  return frames;
}

export async function playEvCharging(world: FlowWorld): Promise<string> {
  const startMs = world.clock.nowMs();
  const driverWallet = await fundedWallet(world, DRIVER_ID, DRIVER_FUNDS);
  await publishOffers(world, startMs);
  const offers = await rankedOffers(world);
  const cheapest = offers[0]!;
  const driver = as(world, DRIVER_ID);
  await driver.json('POST', '/v1/ev/sessions', { id: 'session-1', offerId: cheapest.offerId, chargePointId: CHARGE_POINT_ID, meterId: CHARGE_POINT_METER_ID, vehicleId: VEHICLE_ID });
  const endMs = startMs + HOUR_MS;
  world.clock.moveTo(endMs + READINGS_DELAY_MS);
  await postReadings(world, chargingFrames(startMs));
  const { session } = await driver.json<{ session: SessionView }>('POST', '/v1/ev/sessions/session-1/close', { startMs, endMs, meterId: CHARGE_POINT_METER_ID });
  if (session.state !== 'closed' || session.settlement === null) throw new Error(`session-1 is ${session.state} after its close`);
  const balanceMicro = await walletBalance(driver, driverWallet);
  return `offer ${cheapest.offerId} ranked ${RANKS[cheapest.rank - 1] ?? cheapest.rank} of ${offers.length} (expected EUR ${cheapest.expectedAmount}), ` +
    `${formatMinimal(BigInt(session.settlement.energyMWh), 6)} kWh charged, driver paid EUR ${session.settlement.amount} (wallet ${DRIVER_FUNDS} → ${money(balanceMicro)})`;
}
