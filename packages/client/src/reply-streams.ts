/**
 * The assistant's replies being streamed, by the user message they answer (`replyTo`):
 * the text gathered from their deltas so far. A reply ends with its final message (which
 * holds the whole text) or a failure (its partial text is dropped). A turn that runs again
 * after sign-in answers the same `replyTo`, so it starts from nothing once the first ended.
 */
export interface ReplyStreams {
  /** Adds a delta; returns the reply's text so far. */
  append(replyTo: string, content: string): string;
  /** The text so far of the reply to `replyTo`, if it is streaming. */
  text(replyTo: string): string | undefined;
  /** The reply ended (final message or failure): forget its text. True when it was streaming. */
  end(replyTo: string): boolean;
  /** The replies streaming now, oldest first. */
  active(): { replyTo: string; text: string }[];
  clear(): void;
}

export function createReplyStreams(): ReplyStreams {
  const texts = new Map<string, string>();
  return {
    append(replyTo, content) {
      const text = (texts.get(replyTo) ?? '') + content;
      texts.set(replyTo, text);
      return text;
    },
    text: (replyTo) => texts.get(replyTo),
    end: (replyTo) => texts.delete(replyTo),
    active: () => [...texts].map(([replyTo, text]) => ({ replyTo, text })),
    clear: () => texts.clear(),
  };
}
