import { h, icon, ICONS } from './dom.js';
import { t } from './strings.js';

const MAX_MESSAGE_CHARS = 8000;

export interface ComposerOptions {
  onSend(text: string): void;
  /** The stop button: stop the replies streaming in. */
  onStop(): void;
}

/** Where the visitor writes: a growing textarea (Enter sends, Shift+Enter is a new line), Send, and Stop while a reply streams. */
export function createComposer({ onSend, onStop }: ComposerOptions) {
  const input = h('textarea', {
    id: 'tessera-input',
    rows: '1',
    placeholder: t.typeMessage,
    maxlength: String(MAX_MESSAGE_CHARS),
    autocomplete: 'off',
    enterkeyhint: 'send',
  });
  const sendButton = h('button', { type: 'submit', class: 'send', 'aria-label': t.sendMessage, disabled: true }, icon(ICONS.send));
  const stopButton = h(
    'button',
    { type: 'button', class: 'stop', 'aria-label': t.stopReply, hidden: true, onclick: () => onStop() },
    icon(ICONS.stop),
  );
  const form = h(
    'form',
    { class: 'composer' },
    h('label', { class: 'sr', for: 'tessera-input' }, t.message),
    input,
    stopButton,
    sendButton,
  );

  const resize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
    sendButton.disabled = input.value.trim().length === 0;
  };
  const submit = () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    resize();
    onSend(text);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener('input', resize);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });

  return {
    form,
    input,
    /** The stop button shows while a reply streams in. */
    setStoppable(on: boolean): void {
      stopButton.hidden = !on;
    },
  };
}
