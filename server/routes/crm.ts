// The built-in CRM over REST. Inputs are validated here against the CRM's own schemas (so the
// OpenAPI document shows them); the CRM service owns the rules and checks them again.

import {
  createCustomerSchema,
  createDealSchema,
  customerCardSchema,
  customerQuerySchema,
  customerSchema,
  dealQuerySchema,
  dealSchema,
  patchCustomerSchema,
  patchDealSchema,
} from '../../adapters/crm/schemas.ts';
import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { created, defineRoute, ok } from '../http/route.ts';
import { arrayOf, idParams } from '../schemas.ts';

const customer = named('CrmCustomer', { ...customerSchema });
const deal = named('CrmDeal', { ...dealSchema });
const card = named('CrmCustomerCard', { ...customerCardSchema });

// Sales employees keep customers and deals up to date; everyone signed in may read them.
const WRITERS = ['admin', 'analyst', 'employee'] as const;

export const crmRoutes: RouteModule = ({ adapters }) => {
  if (!adapters) return [];
  const { crm } = adapters;
  return [
    defineRoute({
      operationId: 'crmListCustomers',
      method: 'get',
      path: '/api/crm/customers',
      summary: 'Find customers',
      tags: ['crm'],
      access: 'authenticated',
      query: customerQuerySchema,
      responses: { 200: { description: 'Customers.', schema: arrayOf(customer) } },
      handler: async ({ query }) => ok(await crm.listCustomers(query)),
    }),
    defineRoute({
      operationId: 'crmCreateCustomer',
      method: 'post',
      path: '/api/crm/customers',
      summary: 'Create a customer',
      tags: ['crm'],
      access: WRITERS,
      body: named('CrmNewCustomer', { ...createCustomerSchema }),
      responses: { 201: { description: 'Created.', schema: customer }, 409: { description: 'The id is taken.' } },
      handler: async ({ body }) => created(await crm.createCustomer(body)),
    }),
    defineRoute({
      operationId: 'crmGetCustomer',
      method: 'get',
      path: '/api/crm/customers/{id}',
      summary: 'A customer',
      tags: ['crm'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The customer.', schema: customer }, 404: { description: 'No such customer.' } },
      handler: async ({ params }) => ok(await crm.getCustomer(params.id)),
    }),
    defineRoute({
      operationId: 'crmPatchCustomer',
      method: 'patch',
      path: '/api/crm/customers/{id}',
      summary: 'Change fields of a customer',
      tags: ['crm'],
      access: WRITERS,
      params: idParams,
      body: named('CrmCustomerPatch', { ...patchCustomerSchema }),
      responses: { 200: { description: 'The changed customer.', schema: customer }, 404: { description: 'No such customer.' } },
      handler: async ({ params, body }) => ok(await crm.patchCustomer(params.id, body)),
    }),
    defineRoute({
      operationId: 'crmGetCustomerCard',
      method: 'get',
      path: '/api/crm/customers/{id}/card',
      summary: 'The customer card: customer, contacts, open deals, recent activities',
      tags: ['crm'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The card.', schema: card }, 404: { description: 'No such customer.' } },
      handler: async ({ params }) => ok(await crm.getCustomerCard(params.id)),
    }),
    defineRoute({
      operationId: 'crmListDeals',
      method: 'get',
      path: '/api/crm/deals',
      summary: 'Find deals',
      tags: ['crm'],
      access: 'authenticated',
      query: dealQuerySchema,
      responses: { 200: { description: 'Deals.', schema: arrayOf(deal) } },
      handler: async ({ query }) => ok(await crm.listDeals(query)),
    }),
    defineRoute({
      operationId: 'crmCreateDeal',
      method: 'post',
      path: '/api/crm/deals',
      summary: 'Create a deal',
      tags: ['crm'],
      access: WRITERS,
      body: named('CrmNewDeal', { ...createDealSchema }),
      responses: { 201: { description: 'Created.', schema: deal }, 409: { description: 'The id is taken.' } },
      handler: async ({ body }) => created(await crm.createDeal(body)),
    }),
    defineRoute({
      operationId: 'crmGetDeal',
      method: 'get',
      path: '/api/crm/deals/{id}',
      summary: 'A deal',
      tags: ['crm'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The deal.', schema: deal }, 404: { description: 'No such deal.' } },
      handler: async ({ params }) => ok(await crm.getDeal(params.id)),
    }),
    defineRoute({
      operationId: 'crmPatchDeal',
      method: 'patch',
      path: '/api/crm/deals/{id}',
      summary: 'Change fields of a deal',
      tags: ['crm'],
      access: WRITERS,
      params: idParams,
      body: named('CrmDealPatch', { ...patchDealSchema }),
      responses: { 200: { description: 'The changed deal.', schema: deal }, 404: { description: 'No such deal.' } },
      handler: async ({ params, body }) => ok(await crm.patchDeal(params.id, body)),
    }),
  ];
};
