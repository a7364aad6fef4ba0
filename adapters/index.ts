// Karvon's adapters: the SDK for writing them, the runtime that runs them, the built-in CRM and ERP,
// the CRM → ERP mapping and the demo data. The server imports from here.
export { createAdapterRuntime, type AdapterRuntime, type AdapterRuntimeOptions, type ConnectionTestResult } from './runtime/index.ts';
export { AdapterJobHandler, listAdapters, elementTemplates, connectionSpecsFromConfig } from './runtime/index.ts';
export { CrmService } from './crm/service.ts';
export { ErpService } from './erp/service.ts';
export { seedDemoData, type DemoSeedReport } from './seed.ts';
