import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { Bitrix24Client, type BxRecord } from '../client.ts';
import type { Bitrix24Config } from '../config.ts';
import { crmContract } from '../contract.ts';
import { asRecord, type CustomerView, type DealView } from '../views.ts';

interface Input {
  customer: { kind: 'company' | 'person'; name: string; taxId?: string | null; phones?: string[]; emails?: string[]; address?: string | null; segment?: string | null; owner?: string | null };
  deal: { title: string; lineItems?: { sku: string; name?: string | null; quantity: number; price: number }[]; owner?: string | null };
}

interface Output {
  customerId: string;
  dealId: string;
  customerCreated: boolean;
  customer: CustomerView;
  deal: DealView;
}

/**
 * A Bitrix24 lead is both the prospect and the opportunity until a salesperson converts it, so
 * the customer and the deal of the contract are two views of one lead: `lead-<id>`.
 */
export const createLead: OperationDescriptor<Bitrix24Config> = defineOperation<Input, Output, Bitrix24Config>({
  ...crmContract('createLead'),
  handler: async (input, context) => {
    const bx = new Bitrix24Client(context);
    const { customer, deal } = input;
    const existing = (await bx.list('crm.lead.list', { filter: { ORIGIN_ID: context.idempotencyKey }, select: ['*', 'UF_*', 'PHONE', 'EMAIL'] })).result[0];
    let lead: BxRecord;
    if (existing) lead = existing;
    else {
      const opportunity = (deal.lineItems ?? []).reduce((sum, l) => sum + l.quantity * l.price, 0);
      const fields: BxRecord = {
        TITLE: deal.title,
        ...(customer.kind === 'company' ? { COMPANY_TITLE: customer.name } : { NAME: customer.name }),
        PHONE: (customer.phones ?? []).map((v) => ({ VALUE: v, VALUE_TYPE: 'WORK' })),
        EMAIL: (customer.emails ?? []).map((v) => ({ VALUE: v, VALUE_TYPE: 'WORK' })),
        ADDRESS: customer.address ?? '',
        OPPORTUNITY: opportunity,
        CURRENCY_ID: context.config.currency ?? 'UZS',
        ORIGIN_ID: context.idempotencyKey,
        ORIGINATOR_ID: 'karvon',
        [context.config.taxIdField ?? 'UF_CRM_TAX_ID']: customer.taxId ?? '',
      };
      const id = await bx.call('crm.lead.add', { fields });
      lead = asRecord(await bx.call('crm.lead.get', { id }, { idempotent: true }));
    }
    const id = `lead-${String(lead.ID)}`;
    const at = typeof lead.DATE_CREATE === 'string' ? new Date(lead.DATE_CREATE).toISOString() : new Date(context.now()).toISOString();
    return {
      customerId: id,
      dealId: id,
      customerCreated: true,
      customer: {
        id,
        kind: customer.kind,
        name: customer.name,
        taxId: customer.taxId ?? null,
        phones: customer.phones ?? [],
        emails: customer.emails ?? [],
        address: customer.address ?? null,
        segment: customer.segment ?? null,
        owner: customer.owner ?? null,
        createdAt: at,
        updatedAt: at,
      },
      deal: {
        id,
        customerId: id,
        title: deal.title,
        stage: 'new',
        lineItems: (deal.lineItems ?? []).map((l) => ({ sku: l.sku, name: l.name ?? null, quantity: l.quantity, price: l.price, amount: l.quantity * l.price })),
        amount: Number(lead.OPPORTUNITY ?? 0) || 0,
        currency: context.config.currency ?? 'UZS',
        owner: deal.owner ?? null,
        expectedCloseDate: null,
        createdAt: at,
        updatedAt: at,
        closedAt: null,
      },
    };
  },
});
