import { z } from 'zod';
import { defineStationQuirk } from './types.js';

/** Queued transaction messages do not survive a reboot. */
export const txLostOnReboot = defineStationQuirk({
  id: 'ocpp/tx-lost-on-reboot',
  description: 'Transaction messages queued while offline (StopTransaction, MeterValues, TransactionEvent) are lost when it reboots: the CSMS keeps the transaction open for ever',
  source: 'issue 227 of matth-x/MicroOcpp (after a power loss the transaction state is gone while the CSMS still shows it active); issue 100 of matth-x/MicroOcpp',
  hookPoints: ['state'],
  params: z.object({}).strict(),
  create(_params, ctx) {
    let resetting = false;
    return {
      id: 'ocpp/tx-lost-on-reboot',
      onEvent(e) {
        if (e.type === 'reset') resetting = true;
        if (e.type !== 'power-up' || !resetting) return;
        resetting = false;
        const n = ctx.actions.discardQueuedTransactionMessages();
        if (n > 0) ctx.fire(`${n} queued transaction message(s) lost across the reboot`);
      },
    };
  },
});
