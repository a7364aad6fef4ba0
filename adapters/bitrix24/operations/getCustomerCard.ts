import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { businessError, isAdapterError } from '../../sdk/errors.ts';
import { Bitrix24Client, type BxRecord } from '../client.ts';
import type { Bitrix24Config } from '../config.ts';
import { crmContract } from '../contract.ts';
import { OWNER_TYPE_ID, activityView, asRecord, contactView, customerView, dealView, parseCustomerId, type ActivityView, type ContactView, type CustomerView, type DealView } from '../views.ts';

interface Input {
  customerId: string;
  recentActivities?: number;
}
interface Output {
  customer: CustomerView;
  contacts: ContactView[];
  openDeals: DealView[];
  recentActivities: ActivityView[];
  lifetimeRevenue: number;
  currency: string;
}

export const getCustomerCard: OperationDescriptor<Bitrix24Config> = defineOperation<Input, Output, Bitrix24Config>({
  ...crmContract('getCustomerCard'),
  handler: async (input, context) => {
    const bx = new Bitrix24Client(context);
    const ref = parseCustomerIdOrBusiness(input.customerId);
    let record: BxRecord;
    try {
      record = asRecord(await bx.call(`crm.${ref.type}.get`, { id: ref.id }, { idempotent: true }));
    } catch (error) {
      if (isAdapterError(error) && error.kind === 'not_found') throw businessError('CUSTOMER_NOT_FOUND', `Bitrix24 has no ${ref.type} ${ref.id}`, { customerId: input.customerId });
      throw error;
    }
    const customer = customerView(ref.type, record, context.config);
    const ownerFilter: BxRecord = ref.type === 'company' ? { COMPANY_ID: ref.id } : { CONTACT_ID: ref.id };
    // Sequential on purpose: the client paces requests to the portal's bucket anyway.
    const contacts = ref.type === 'company'
      ? (await bx.list('crm.contact.list', { filter: { COMPANY_ID: ref.id }, select: ['ID', 'NAME', 'LAST_NAME', 'POST', 'PHONE', 'EMAIL'] })).result.map((c) => contactView(c, customer.id))
      : [];
    const deals = (await bx.list('crm.deal.list', { filter: ownerFilter, select: ['*'], order: { ID: 'DESC' } })).result;
    const openDeals = deals.filter((d) => d.CLOSED !== 'Y').map((d) => dealView(d, context.config));
    const lifetimeRevenue = deals.filter((d) => d.STAGE_SEMANTIC_ID === 'S').reduce((sum, d) => sum + (Number(d.OPPORTUNITY) || 0), 0);
    const limit = input.recentActivities ?? 10;
    const activities = limit === 0 ? [] : (await bx.list('crm.activity.list', {
      filter: { OWNER_TYPE_ID: OWNER_TYPE_ID[ref.type], OWNER_ID: ref.id },
      order: { ID: 'DESC' },
      select: ['ID', 'OWNER_TYPE_ID', 'OWNER_ID', 'TYPE_ID', 'SUBJECT', 'DESCRIPTION', 'AUTHOR_ID', 'RESPONSIBLE_ID', 'CREATED'],
    })).result.slice(0, limit).map((a) => activityView(a, customer.id));
    return { customer, contacts, openDeals, recentActivities: activities, lifetimeRevenue, currency: context.config.currency ?? 'UZS' };
  },
});

function parseCustomerIdOrBusiness(customerId: string) {
  try {
    return parseCustomerId(customerId);
  } catch {
    throw businessError('CUSTOMER_NOT_FOUND', `"${customerId}" is not a Bitrix24 customer id (company-<n>, contact-<n> or <n>)`, { customerId });
  }
}
