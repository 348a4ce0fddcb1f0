import { defineActivity, defineOrchestration, type OrchestrationContext } from '../index.js';

export interface Order {
  id: number;
  amount: number;
}
export interface OrderState extends Order {
  phase: 'payment' | 'fulfilment';
  chargeId?: string;
  approvedBy?: string;
}

/** The payment gateway fails every first call per order, to show retries. */
const failedOnce = new Set<number>();
export const charge = defineActivity('Charge', (ctx, order: Order) => {
  if (!failedOnce.has(order.id)) {
    failedOnce.add(order.id);
    throw new Error('payment gateway timeout');
  }
  ctx.traceInfo(`charged ${order.amount} for order ${order.id}`);
  return { chargeId: `ch_${order.id}` };
});

export const pack = defineActivity('Pack', (_ctx, order: Order) => `parcel-${order.id}`);
export const label = defineActivity('Label', (_ctx, parcel: string) => `${parcel}/TRACK-${parcel.length}`);

/** A sub-orchestration: pack, then label. */
export const ship = defineOrchestration('Ship', function* (ctx, order: Order) {
  const parcel = yield* ctx.scheduleActivity(pack, order);
  return yield* ctx.scheduleActivity(label, parcel);
});

/**
 * Execution 1: charge (with retries), a cooling-off timer, wait for a manager's approval; then continue as new into
 * execution 2, which ships through a sub-orchestration. Traces appear once per committed turn.
 */
export const processOrder = defineOrchestration(
  'ProcessOrder',
  function* (ctx: OrchestrationContext, state: OrderState) {
    if (state.phase === 'payment') {
      ctx.traceInfo(`order ${state.id}: charging ${state.amount}`);
      const { chargeId } = yield* ctx.scheduleActivityWithRetry(charge, state, {
        maxAttempts: 3,
        backoff: { kind: 'fixed', baseMs: 50 },
      });
      ctx.traceInfo(`order ${state.id}: charged (${chargeId}); cooling off for 100 ms`);
      yield ctx.scheduleTimer(100);
      ctx.traceInfo(`order ${state.id}: waiting for approval`);
      const approval = (yield ctx.race(ctx.waitForEvent('Approval'), ctx.scheduleTimer(60_000))) as {
        index: number;
        value?: { by: string };
      };
      if (approval.index === 1) return { id: state.id, status: 'not approved' };
      ctx.traceInfo(`order ${state.id}: approved by ${approval.value!.by}; continuing as new for fulfilment`);
      return yield* ctx.continueAsNew({ ...state, phase: 'fulfilment', chargeId, approvedBy: approval.value!.by });
    }
    ctx.traceInfo(`order ${state.id}: shipping`);
    const tracking = yield* ctx.scheduleSubOrchestration(ship, state);
    ctx.traceInfo(`order ${state.id}: shipped, tracking ${tracking}`);
    return { id: state.id, status: 'shipped', chargeId: state.chargeId, approvedBy: state.approvedBy, tracking };
  },
);
