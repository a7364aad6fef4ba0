// Sign-in page. On success it stores the token and hands the user to the shell.

import { api, ApiError, session, type User } from '../api.ts';
import { h, uid } from '../dom.ts';
import { alertBox, describeError } from '../notify.ts';

export function loginPage(onSignedIn: (user: User) => Promise<void>): { el: HTMLElement } {
  const userId = uid('username');
  const passId = uid('password');
  const username = h('input', { id: userId, name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: passId, name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('div', { class: 'form-message' });
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
    message.replaceChildren();
    if (!username.value.trim() || !password.value) {
      message.appendChild(alertBox('Enter your username and password.'));
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const { token, user } = await api.login(username.value.trim(), password.value);
      session.set(token, user);
      // replaceState, not location.hash: a hashchange now would render the shell a second time.
      if (!window.location.hash || window.location.hash === '#/login') history.replaceState(null, '', '#/');
      await onSignedIn(user);
    } catch (err) {
      const text =
        err instanceof ApiError && err.status === 401
          ? 'The username or password is not right.'
          : err instanceof ApiError && err.status === 429
            ? 'Too many attempts. Wait a minute and try again.'
            : describeError(err);
      message.appendChild(alertBox(text));
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  });

  const el = h(
    'div',
    { class: 'login-page' },
    h(
      'main',
      { class: 'login-card', id: 'main' },
      h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Karvon'),
      h('h1', null, 'Sign in to your inbox'),
      form,
    ),
  );
  return { el };
}
