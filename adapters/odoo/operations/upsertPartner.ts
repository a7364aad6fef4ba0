import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { mapCustomerToPartner } from '../../mapping/customer.ts';
import { OdooClient } from '../client.ts';
import type { OdooConfig } from '../config.ts';
import { erpContract } from '../contract.ts';
import { readPartner, upsertPartner as upsert, type PartnerView } from '../records.ts';

export const upsertPartner: OperationDescriptor<OdooConfig> = defineOperation<{ customer: unknown }, { partner: PartnerView; created: boolean }, OdooConfig>({
  ...erpContract('upsertPartner'),
  handler: async (input, context) => {
    const odoo = new OdooClient(context);
    // The declared mapping checks every field before anything is written: no half-made partner.
    const { partner } = mapCustomerToPartner(input.customer, { defaultCountry: context.config.defaultCountry });
    const { id, created } = await upsert(odoo, partner);
    const view = await readPartner(odoo, id);
    return { partner: { ...view, address: { ...view.address, region: view.address.region ?? partner.address.region, raw: partner.address.raw } }, created };
  },
});
