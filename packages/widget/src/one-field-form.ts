import { h } from './dom.js';
import { emailErrorText } from './email-sign-in.js';

export interface OneFieldFormOptions {
  /** What the form does, for assistive technology. */
  name: string;
  label: string;
  intro?: Node;
  input: HTMLInputElement;
  submit: string;
  extra: HTMLElement[];
  run(value: string): Promise<void>;
}

/**
 * A one-field form of the email sign-in steps (an address, a code): its input, an alert line,
 * and what its submit does. A failure is shown in words (`emailErrorText`) and the field is
 * selected for another try.
 */
export function createOneFieldForm(options: OneFieldFormOptions): HTMLFormElement {
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, options.submit);
  const form = h(
    'form',
    { class: 'login', 'aria-label': options.name },
    options.intro ?? null,
    h('label', {}, options.label, options.input),
    error,
    h('div', { class: 'row' }, button, ...options.extra),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      await options.run(options.input.value.trim());
    } catch (failure) {
      error.textContent = emailErrorText(failure);
      options.input.select();
      options.input.focus();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
