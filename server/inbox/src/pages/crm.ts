// Customers in the built-in CRM: find one, read their card, and correct what a process needs
// (above all the address the ERP ships to). Tasks link here, so an employee who is asked to
// "complete the address in the CRM" can do it without leaving Karvon.

import { api, ApiError, type CrmCustomer, type CrmCustomerPatch } from '../api.ts';
import { clear, h, uid } from '../dom.ts';
import { formatDateTime, humanize } from '../format.ts';
import { debounce } from '../live.ts';
import { alertBox, describeError, toast } from '../notify.ts';
import type { Page } from '../router.ts';
import { customerCardView } from '../views/variables.ts';

export async function customersPage(): Promise<Page> {
  const searchId = uid('q');
  const search = h('input', { id: searchId, type: 'search', autocomplete: 'off', placeholder: 'Name, tax id, phone or email', value: sessionStorage.getItem('karvon.crmQuery') ?? '' });
  const body = h('div');
  let seq = 0;

  async function load(): Promise<void> {
    const mine = ++seq;
    const q = search.value.trim();
    sessionStorage.setItem('karvon.crmQuery', q);
    try {
      const list = await api.customers(q || undefined);
      if (mine !== seq) return;
      if (list.length === 0) {
        clear(body, h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, q ? `No customer matches "${q}"` : 'No customers yet')));
        return;
      }
      clear(
        body,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'data-table responsive' },
            h('caption', { class: 'visually-hidden' }, 'Customers'),
            h('thead', null, h('tr', null, ['Customer', 'Tax ID', 'Address', 'Segment'].map((c) => h('th', { scope: 'col' }, c)))),
            h(
              'tbody',
              null,
              list.map((c) =>
                h(
                  'tr',
                  null,
                  h('td', { 'data-label': 'Customer' }, h('a', { href: `#/customers/${encodeURIComponent(c.id)}` }, c.name)),
                  h('td', { 'data-label': 'Tax ID' }, c.taxId ?? h('span', { class: 'muted' }, '—')),
                  h('td', { 'data-label': 'Address' }, c.address ?? h('span', { class: 'muted' }, 'missing')),
                  h('td', { 'data-label': 'Segment' }, c.segment ? humanize(c.segment) : h('span', { class: 'muted' }, '—')),
                ),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      if (mine === seq) clear(body, alertBox(`The customers could not be loaded: ${describeError(err)}`));
    }
  }
  search.addEventListener('input', debounce(() => void load(), 250));

  const el = h(
    'div',
    { class: 'page page-customers' },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Customers'), h('p', { class: 'page-sub' }, 'The built-in CRM: the customers processes read their cards from.'))),
    h('section', { class: 'filters', 'aria-label': 'Search' }, h('div', { class: 'field' }, h('label', { for: searchId }, 'Find a customer'), search)),
    body,
  );
  await load();
  return { el, title: 'Customers' };
}

function lines(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function customerPage(params: Record<string, string>): Promise<Page> {
  const id = params.id!;
  let customer: CrmCustomer;
  try {
    customer = await api.customer(id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      const el = h('div', { class: 'page' }, h('p', { class: 'crumbs' }, h('a', { href: '#/customers' }, '← Customers')), h('h1', null, 'Customer not found'), alertBox(`There is no customer "${id}" in the CRM.`, 'info'));
      return { el, title: 'Customer not found' };
    }
    throw err;
  }
  const cardHost = h('div');
  async function renderCard(): Promise<void> {
    try {
      clear(cardHost, customerCardView(await api.customerCard(id), 'Customer card', { crmLink: false }));
    } catch (err) {
      clear(cardHost, alertBox(`The customer card could not be loaded: ${describeError(err)}`, 'warning'));
    }
  }

  const field = (label: string, input: HTMLInputElement | HTMLTextAreaElement, hint?: string) => {
    const fid = uid('f');
    input.id = fid;
    if (hint) input.setAttribute('aria-describedby', `${fid}-hint`);
    return h('div', { class: 'field' }, h('label', { for: fid }, label), input, hint ? h('p', { class: 'hint', id: `${fid}-hint` }, hint) : null);
  };
  const name = h('input', { type: 'text', value: customer.name, required: true, autocomplete: 'organization' });
  const taxId = h('input', { type: 'text', value: customer.taxId ?? '', autocomplete: 'off' });
  const address = h('textarea', { rows: '3', autocomplete: 'street-address' });
  address.value = customer.address ?? '';
  const phones = h('input', { type: 'text', value: customer.phones.join(', '), autocomplete: 'off' });
  const emails = h('input', { type: 'text', value: customer.emails.join(', '), autocomplete: 'off' });
  const message = h('div', { class: 'form-message' });
  const saved = h('p', { class: 'muted small' }, `Last changed ${formatDateTime(customer.updatedAt)}`);
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save changes');

  const form = h(
    'form',
    { class: 'card customer-form', novalidate: true },
    h('h2', null, 'Edit customer'),
    field('Name', name),
    field('Tax ID', taxId, 'The ERP needs it to create the customer as a partner.'),
    field('Address', address, 'Street and house, district, city, postcode, country — e.g. "Bunyodkor ko\'chasi 12, Chilonzor tumani, Toshkent sh., 100115, Uzbekistan".'),
    field('Phones', phones, 'Separate several with commas.'),
    field('Emails', emails, 'Separate several with commas.'),
    message,
    h('div', { class: 'form-actions' }, save),
    saved,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.replaceChildren();
    if (!name.value.trim()) {
      clear(message, alertBox('The customer needs a name.'));
      name.focus();
      return;
    }
    const patch: CrmCustomerPatch = {};
    if (name.value.trim() !== customer.name) patch.name = name.value.trim();
    if ((taxId.value.trim() || null) !== customer.taxId) patch.taxId = taxId.value.trim() || null;
    if ((address.value.trim() || null) !== customer.address) patch.address = address.value.trim() || null;
    if (lines(phones.value).join('\n') !== customer.phones.join('\n')) patch.phones = lines(phones.value);
    if (lines(emails.value).join('\n') !== customer.emails.join('\n')) patch.emails = lines(emails.value);
    if (Object.keys(patch).length === 0) {
      clear(message, alertBox('Nothing changed.', 'info'));
      return;
    }
    save.disabled = true;
    try {
      customer = await api.patchCustomer(id, patch);
      saved.textContent = `Last changed ${formatDateTime(customer.updatedAt)}`;
      clear(message, alertBox('Saved. Processes that read this customer from now on get the new data.', 'ok'));
      toast(`${customer.name} saved`);
      await renderCard();
    } catch (err) {
      clear(message, alertBox(describeError(err)));
    } finally {
      save.disabled = false;
    }
  });

  const el = h(
    'div',
    { class: 'page page-customer' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/customers' }, '← Customers')),
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, customer.name), h('p', { class: 'page-sub' }, `${humanize(customer.kind)} · ${customer.id}`))),
    !customer.address ? alertBox('This customer has no address yet; shipments cannot be made until it is filled in.', 'warning') : null,
    h('div', { class: 'task-layout' }, h('section', { 'aria-label': 'Customer card' }, cardHost), form),
  );
  await renderCard();
  return { el, title: customer.name };
}
