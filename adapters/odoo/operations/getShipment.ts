import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { businessError } from '../../sdk/errors.ts';
import { OdooClient } from '../client.ts';
import type { OdooConfig } from '../config.ts';
import { erpContract } from '../contract.ts';
import { readPicking, shipmentView, type ShipmentView } from '../records.ts';

export const getShipment: OperationDescriptor<OdooConfig> = defineOperation<{ shipmentId: string }, ShipmentView, OdooConfig>({
  ...erpContract('getShipment'),
  handler: async (input, context) => {
    const odoo = new OdooClient(context);
    const id = Number(input.shipmentId);
    const picking = Number.isSafeInteger(id) && id > 0 ? await readPicking(odoo, id) : null;
    if (!picking) throw businessError('SHIPMENT_NOT_FOUND', `Odoo has no picking ${input.shipmentId}`, { shipmentId: input.shipmentId });
    return shipmentView(odoo, context.config, picking);
  },
});
