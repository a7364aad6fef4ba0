// The built-in ERP over REST: products, stock and shipments. Validation as in crm.ts.

import {
  adjustStockSchema,
  createProductSchema,
  createWarehouseSchema,
  productSchema,
  shipmentQuerySchema,
  shipmentSchema,
  stockQuerySchema,
  stockSchema,
} from '../../adapters/erp/schemas.ts';
import type { RouteModule } from '../context.ts';
import { named } from '../http/openapi.ts';
import { created, defineRoute, ok } from '../http/route.ts';
import { arrayOf, idParams } from '../schemas.ts';

const product = named('ErpProduct', { ...productSchema });
const stock = named('ErpStock', { ...stockSchema });
const shipment = named('ErpShipment', { ...shipmentSchema });

// Warehouse employees count stock and keep the catalogue; everyone signed in may read.
const WRITERS = ['admin', 'employee'] as const;

export const erpRoutes: RouteModule = ({ adapters }) => {
  if (!adapters) return [];
  const { erp } = adapters;
  return [
    defineRoute({
      operationId: 'erpListProducts',
      method: 'get',
      path: '/api/erp/products',
      summary: 'Products',
      tags: ['erp'],
      access: 'authenticated',
      responses: { 200: { description: 'Products.', schema: arrayOf(product) } },
      handler: async () => ok(await erp.listProducts()),
    }),
    defineRoute({
      operationId: 'erpCreateProduct',
      method: 'post',
      path: '/api/erp/products',
      summary: 'Create a product',
      tags: ['erp'],
      access: WRITERS,
      body: named('ErpNewProduct', { ...createProductSchema }),
      responses: { 201: { description: 'Created.', schema: product }, 409: { description: 'The SKU is taken.' } },
      handler: async ({ body }) => created(await erp.createProduct(body)),
    }),
    defineRoute({
      operationId: 'erpListWarehouses',
      method: 'get',
      path: '/api/erp/warehouses',
      summary: 'Warehouses',
      tags: ['erp'],
      access: 'authenticated',
      responses: { 200: { description: 'Warehouses.', schema: { type: 'array', items: { type: 'object' } } } },
      handler: async () => ok(await erp.listWarehouses()),
    }),
    defineRoute({
      operationId: 'erpCreateWarehouse',
      method: 'post',
      path: '/api/erp/warehouses',
      summary: 'Create a warehouse',
      tags: ['erp'],
      access: ['admin'],
      body: named('ErpNewWarehouse', { ...createWarehouseSchema }),
      responses: { 201: { description: 'Created.', schema: { type: 'object' } }, 409: { description: 'The code is taken.' } },
      handler: async ({ body }) => created(await erp.createWarehouse(body)),
    }),
    defineRoute({
      operationId: 'erpQueryStock',
      method: 'get',
      path: '/api/erp/stock',
      summary: 'Stock per product and warehouse',
      tags: ['erp'],
      access: 'authenticated',
      query: stockQuerySchema,
      responses: { 200: { description: 'Stock lines.', schema: arrayOf(stock) } },
      handler: async ({ query }) => ok(await erp.queryStock(query)),
    }),
    defineRoute({
      operationId: 'erpAdjustStock',
      method: 'post',
      path: '/api/erp/stock/adjust',
      summary: 'Change stock on hand (delta) or set it from a count (set)',
      tags: ['erp'],
      access: WRITERS,
      body: named('ErpStockAdjustment', { ...adjustStockSchema }),
      responses: { 200: { description: 'The stock line after the change.', schema: stock } },
      handler: async ({ body }) => ok(await erp.adjustStock(body)),
    }),
    defineRoute({
      operationId: 'erpListShipments',
      method: 'get',
      path: '/api/erp/shipments',
      summary: 'Shipments',
      tags: ['erp'],
      access: 'authenticated',
      query: shipmentQuerySchema,
      responses: { 200: { description: 'Shipments.', schema: arrayOf(shipment) } },
      handler: async ({ query }) => ok(await erp.listShipments(query)),
    }),
    defineRoute({
      operationId: 'erpGetShipment',
      method: 'get',
      path: '/api/erp/shipments/{id}',
      summary: 'A shipment',
      tags: ['erp'],
      access: 'authenticated',
      params: idParams,
      responses: { 200: { description: 'The shipment.', schema: shipment }, 404: { description: 'No such shipment.' } },
      handler: async ({ params }) => ok(await erp.getShipment(params.id)),
    }),
  ];
};
