// Sign-in, for when the inbox has not already left a token in this browser.

import { api, ApiError, session, type User } from '../api.ts';
import { h, uid } from '../dom.ts';

export function loginPage(onSignedIn: (user: User) => void): HTMLElement {
  const userId = uid('username');
  const passId = uid('password');
  const username = h('input', { id: userId, name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: passId, name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('div', { class: 'form-message', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: userId }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: passId }, 'Password'), password),
    message,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.textContent = '';
    if (!username.value.trim() || !password.value) {
      message.textContent = 'Enter your username and password.';
      return;
    }
    submit.disabled = true;
    try {
      const { token, user } = await api.login(username.value.trim(), password.value);
      session.set(token, user);
      onSignedIn(user);
    } catch (err) {
      message.textContent =
        err instanceof ApiError && err.status === 401 ? 'The username or password is not right.' : err instanceof Error ? err.message : String(err);
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return h(
    'div',
    { class: 'login-page' },
    h('main', { class: 'login-card' }, h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Karvon'), h('h1', null, 'Sign in to the designer'), form),
  );
}
