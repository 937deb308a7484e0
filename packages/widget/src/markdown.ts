/** What the Markdown chunk (markdown-dom.ts, built as dist/widget-markdown.js) exports. */
type RenderMarkdown = (markdown: string) => DocumentFragment;

/** Signs of Markdown worth rendering: emphasis, code, links, quotes, tables, headings, lists. */
const MARKDOWN_SIGNS = /[*_`~[|]|^\s{0,3}(?:#{1,6}\s|>|[-+]\s|\d{1,9}[.)]\s)/m;

export interface Markdown {
  /**
   * The reply's text as DOM nodes, once the chunk is loaded (the first time, from `chunkUrl`);
   * null when plain text is all there is, or the chunk could not load (then the text stays plain).
   */
  render(markdown: string): Promise<DocumentFragment | null>;
}

/** Loads the Markdown chunk on the first reply that needs it, so the main script stays small. */
export function createMarkdown(chunkUrl: string): Markdown {
  let loading: Promise<RenderMarkdown | null> | null = null;
  const load = () => {
    loading ??= import(/* webpackIgnore: true */ chunkUrl).then(
      (chunk: { renderMarkdown: RenderMarkdown }) => chunk.renderMarkdown,
      () => null,
    );
    return loading;
  };
  return {
    async render(markdown) {
      if (!MARKDOWN_SIGNS.test(markdown)) return null;
      const render = await load();
      return render ? render(markdown) : null;
    },
  };
}
