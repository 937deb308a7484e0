import type { ConversationInfo } from '@tessera/client';
import { h } from './dom.js';
import { formatDate } from './text.js';
import { fill, t } from './strings.js';

/**
 * "Continue a previous conversation?": up to five of them to choose from, or keep this one.
 * `close` hides the card; it runs before `choose`.
 */
export function createResumeCard(
  conversations: ConversationInfo[],
  choose: (id: string) => void,
  close: () => void,
): { content: Node[]; focus: HTMLElement } {
  const items = conversations.slice(0, 5).map((conversation) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'choice',
          onclick: () => {
            close();
            choose(conversation.id);
          },
        },
        conversation.preview ?? t.conversation,
        h(
          'small',
          {},
          `${formatDate(conversation.updatedAt)} · ${conversation.messageCount === 1 ? t.messageCountOne : fill(t.messageCount, { count: conversation.messageCount })}`,
        ),
      ),
    ),
  );
  const keep = h('button', { type: 'button', class: 'link', onclick: close }, t.keepThis);
  return {
    content: [h('h3', { id: 'tessera-resume' }, t.resumeQuestion), h('ul', { 'aria-labelledby': 'tessera-resume' }, ...items), keep],
    focus: items[0]?.querySelector('button') ?? keep,
  };
}
