// Calls model methods on Odoo over either protocol with one signature: named arguments, plus the
// record ids for methods that act on records. JSON-2 takes them as the JSON body; `/jsonrpc`
// `execute_kw` takes the ids as the first positional argument and the rest as keyword arguments.

import type { ConnectionContext } from '../sdk/descriptor.ts';
import { AdapterError, authError, conflict, notFound, transientError, validationError } from '../sdk/errors.ts';
import { createRedactor } from '../sdk/secrets.ts';
import { errorForStatus, parseJson, sendHttp } from '../http/client.ts';
import type { OdooConfig } from './config.ts';

export type OdooValue = string | number | boolean | null | OdooValue[] | { [key: string]: OdooValue };
export type OdooRecord = Record<string, OdooValue>;
export type Domain = OdooValue[];

export interface OdooCallOptions {
  ids?: number[];
  /** Searches and reads; creates and state changes are not. */
  idempotent?: boolean;
}

let rpcId = 0;

export class OdooClient {
  private readonly config: OdooConfig;
  private readonly redact: (text: string) => string;

  constructor(private readonly context: ConnectionContext<OdooConfig>) {
    this.config = context.config;
    this.redact = createRedactor([this.config.apiKey]).text;
  }

  async call(model: string, method: string, params: OdooRecord = {}, options: OdooCallOptions = {}): Promise<OdooValue> {
    const base = this.config.url.replace(/\/+$/, '');
    const label = `Odoo ${model}.${method}`;
    const json2 = (this.config.protocol ?? 'json2') === 'json2';
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' };
    let url: string;
    let body: string;
    if (json2) {
      url = `${base}/json/2/${model}/${method}`;
      headers.authorization = `bearer ${this.config.apiKey}`;
      if (this.config.database) headers['x-odoo-database'] = this.config.database;
      body = JSON.stringify(options.ids ? { ids: options.ids, ...params } : params);
    } else {
      if (!this.config.database || !this.config.uid) throw validationError(`${label}: jsonrpc needs "database" and "uid" in the connection config`, [{ path: 'config.database', message: 'is required for jsonrpc' }]);
      url = `${base}/jsonrpc`;
      const args = [this.config.database, this.config.uid, this.config.apiKey, model, method, options.ids ? [options.ids] : [], params];
      body = JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args }, id: ++rpcId });
    }
    const response = await sendHttp({ method: 'POST', url, headers, body, idempotent: options.idempotent ?? false, signal: this.context.signal, label });
    const parsed = parseJson(response.text);
    if (json2) {
      if (response.status >= 400) throw this.json2Error(label, response.status, response.headers, parsed);
      if (parsed === undefined && response.text.trim() !== 'null') throw transientError(`${label}: Odoo answered ${response.status} without JSON`);
      return (parsed ?? null) as OdooValue;
    }
    if (response.status >= 400) throw errorForStatus(response.status, response.headers, `${label} failed: HTTP ${response.status}`, Date.now());
    const envelope = (parsed ?? {}) as { result?: OdooValue; error?: { code?: number; message?: string; data?: { name?: string; message?: string } } };
    if (envelope.error) {
      const name = envelope.error.data?.name ?? '';
      const message = envelope.error.data?.message ?? envelope.error.message ?? 'error';
      throw this.byExceptionName(name, this.redact(`${label} failed: ${name || 'Odoo error'}: ${message}`), 500);
    }
    if (!('result' in envelope)) throw transientError(`${label}: Odoo answered without a JSON-RPC result`);
    return envelope.result ?? null;
  }

  async searchRead(model: string, domain: Domain, fields: string[], extra: OdooRecord = {}): Promise<OdooRecord[]> {
    const result = await this.call(model, 'search_read', { domain, fields, ...extra }, { idempotent: true });
    return Array.isArray(result) ? (result as OdooRecord[]) : [];
  }

  async read(model: string, ids: number[], fields: string[]): Promise<OdooRecord[]> {
    const result = await this.call(model, 'read', { fields }, { ids, idempotent: true });
    return Array.isArray(result) ? (result as OdooRecord[]) : [];
  }

  async create(model: string, values: OdooRecord): Promise<number> {
    const result = await this.call(model, 'create', { vals_list: [values] });
    const id = Array.isArray(result) ? result[0] : result;
    if (typeof id !== 'number') throw transientError(`Odoo ${model}.create returned no id`);
    return id;
  }

  async write(model: string, ids: number[], values: OdooRecord): Promise<void> {
    // Writing the same values twice leaves the record as once would.
    await this.call(model, 'write', { vals: values }, { ids, idempotent: true });
  }

  private json2Error(label: string, status: number, headers: Readonly<Record<string, string>>, parsed: unknown): AdapterError {
    const body = (parsed ?? {}) as { name?: string; message?: string };
    const name = typeof body.name === 'string' ? body.name : '';
    const text = this.redact(`${label} failed: ${name ? `${name}: ` : ''}${typeof body.message === 'string' ? body.message : `HTTP ${status}`}`);
    if (status === 429 || status >= 500 || status === 401) return errorForStatus(status, headers, text, Date.now());
    return this.byExceptionName(name, text, status);
  }

  private byExceptionName(name: string, message: string, status: number): AdapterError {
    const short = name.split('.').pop() ?? '';
    switch (short) {
      case 'AccessDenied':
      case 'AccessError':
      case 'Unauthorized':
      case 'SessionExpiredException':
        return authError(message);
      case 'MissingError':
      case 'NotFound':
        return notFound(message);
      case 'ConcurrencyError':
      case 'SerializationFailure':
        return transientError(message);
      case 'UserError':
      case 'ValidationError':
      case 'RedirectWarning':
      case 'BadRequest':
        return validationError(message);
      case 'LockError':
        return conflict(message);
      default:
        return status >= 500 ? transientError(message) : errorForStatus(status, {}, message, Date.now());
    }
  }
}

/** Odoo many2one values read as `[id, "Display name"]` or `false`. */
export function m2oId(value: OdooValue | undefined): number | null {
  return Array.isArray(value) && typeof value[0] === 'number' ? value[0] : typeof value === 'number' ? value : null;
}

export function m2oName(value: OdooValue | undefined): string | null {
  return Array.isArray(value) && typeof value[1] === 'string' ? value[1] : null;
}

/** Odoo returns `false` for an empty char field. */
export function text(value: OdooValue | undefined): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
