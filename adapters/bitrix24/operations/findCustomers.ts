import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { Bitrix24Client, type BxRecord } from '../client.ts';
import type { Bitrix24Config } from '../config.ts';
import { crmContract } from '../contract.ts';
import { customerView, type CustomerView } from '../views.ts';

interface Input {
  query?: string;
  taxId?: string;
  segment?: string;
  limit?: number;
}

export const findCustomers: OperationDescriptor<Bitrix24Config> = defineOperation<Input, { customers: CustomerView[]; count: number }, Bitrix24Config>({
  ...crmContract('findCustomers'),
  handler: async (input, context) => {
    const bx = new Bitrix24Client(context);
    const taxField = context.config.taxIdField ?? 'UF_CRM_TAX_ID';
    const limit = input.limit ?? 20;
    // `%FIELD` is Bitrix24's "contains" filter.
    const companyFilter: BxRecord = {};
    if (input.query) companyFilter['%TITLE'] = input.query;
    if (input.taxId) companyFilter[taxField] = input.taxId;
    if (input.segment) companyFilter.INDUSTRY = input.segment;
    const companies = (await bx.list('crm.company.list', { filter: companyFilter, select: ['*', 'UF_*', 'PHONE', 'EMAIL'] })).result.map((r) => customerView('company', r, context.config));
    let contacts: CustomerView[] = [];
    if (companies.length < limit && !input.segment) {
      const contactFilter: BxRecord = {};
      if (input.query) contactFilter['%LAST_NAME'] = input.query;
      if (input.taxId) contactFilter[taxField] = input.taxId;
      contacts = (await bx.list('crm.contact.list', { filter: contactFilter, select: ['*', 'UF_*', 'PHONE', 'EMAIL'] })).result.map((r) => customerView('contact', r, context.config));
    }
    const customers = [...companies, ...contacts].slice(0, limit);
    return { customers, count: customers.length };
  },
});
