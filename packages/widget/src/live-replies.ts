import type { AssistantMessage, ChatClient, DeltaEvent, MessageInfo, ReplyFailedEvent } from '@tessera/client';
import type { MessageItem } from './message-item.js';
import { errorText } from './text.js';
import type { Transcript } from './transcript.js';
import type { View } from './view.js';

export interface LiveRepliesDeps {
  client: ChatClient;
  view: View;
  transcript: Transcript;
  /** The server's time now, for placing items. */
  now(): number;
  /** Whether anything is still awaited may have changed (the typing indicator). */
  changed(): void;
}

export interface LiveReplies {
  /** Replies the history brought that were not shown yet (missed while offline) end their bubbles. */
  merging(messages: readonly MessageInfo[]): void;
  /** Stops the replies streaming in (the stop button). */
  stop(): void;
  /** A new conversation: nothing streams in any more. */
  clear(): void;
  /** Stops listening to the client. */
  detach(): void;
}

/**
 * The assistant's replies as they stream in: one bubble per reply that grows with each delta
 * and is replaced by the final message (marked when stopped), the stop button while any
 * streams, and a failure's line in place of its partial text. A turn run again after sign-in
 * streams into a new bubble under the same question.
 */
export function createLiveReplies({ client, view, transcript, now, changed }: LiveRepliesDeps): LiveReplies {
  const bubbles = new Map<string, MessageItem>();
  /** Replies the visitor asked to stop; their final message is on its way. */
  const stopping = new Set<string>();

  const refresh = () => {
    view.setStoppable([...bubbles.keys()].some((replyTo) => !stopping.has(replyTo)));
    changed();
  };
  const end = (replyTo: string) => {
    const bubble = bubbles.get(replyTo);
    bubbles.delete(replyTo);
    stopping.delete(replyTo);
    return bubble;
  };

  function onDelta({ replyTo, text }: DeltaEvent): void {
    transcript.answering(replyTo);
    const bubble = bubbles.get(replyTo);
    if (bubble) {
      bubble.setText(text);
      view.scrollToEnd();
    } else {
      bubbles.set(replyTo, view.addMessage('assistant', text, now(), { streaming: true }));
    }
    refresh();
  }

  function onMessage(message: AssistantMessage): void {
    const bubble = end(message.replyTo);
    if (transcript.addReply(message)) {
      const options = { stopped: message.stopped };
      if (bubble) view.replaceMessage(bubble, 'assistant', message.content, options);
      else view.addMessage('assistant', message.content, now(), options);
      view.countUnread();
    } else {
      bubble?.remove(); // the history brought it first
    }
    refresh();
  }

  function onFailed({ replyTo, error }: ReplyFailedEvent): void {
    end(replyTo)?.remove(); // what was streamed is void
    transcript.answering(replyTo);
    view.system(errorText(error), now(), 'failed');
    refresh();
  }

  const unsubscribe = [client.on('delta', onDelta), client.on('message', onMessage), client.on('reply_failed', onFailed)];

  return {
    merging(messages) {
      for (const message of messages) if (message.role === 'assistant' && message.replyTo) end(message.replyTo)?.remove();
      refresh();
    },
    stop() {
      for (const replyTo of bubbles.keys()) if (!stopping.has(replyTo) && client.stop(replyTo)) stopping.add(replyTo);
      refresh();
    },
    clear() {
      bubbles.clear();
      stopping.clear();
      refresh();
    },
    detach() {
      for (const undo of unsubscribe) undo();
    },
  };
}
