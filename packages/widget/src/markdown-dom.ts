import { Lexer, type Token, type Tokens } from 'marked';

/**
 * The Markdown chunk (dist/widget-markdown.js, loaded on the first reply that needs it): marked's
 * lexer reads the text, and its tokens become DOM nodes here. No HTML string is ever parsed, so
 * nothing needs sanitizing: raw HTML in a reply shows as text, images as links, and only
 * http(s) and mailto links are links (opened in a new tab, without opener or referrer).
 */
export function renderMarkdown(markdown: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const token of Lexer.lex(markdown, { gfm: true, breaks: true })) {
    const node = block(token);
    if (node) fragment.append(node);
  }
  return fragment;
}

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null; // relative or malformed: no page of ours to resolve it against
  }
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, children: Node[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.append(...children);
  return node;
}

const text = (value: string) => document.createTextNode(decodeEntities(value));

/** The handful of entities replies carry (`&amp;`), without handing anything to an HTML parser. */
function decodeEntities(value: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
  return value.replace(/&(#\d{1,6}|#x[\da-f]{1,6}|[a-z]{2,5});/gi, (entity, name: string) => {
    if (name[0] !== '#') return named[name.toLowerCase()] ?? entity;
    const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

function block(token: Token): Node | null {
  switch (token.type) {
    case 'paragraph':
      return element('p', inline(token.tokens));
    case 'heading':
      // Headings inside a chat bubble are emphasis, not page structure.
      return element('p', [element('strong', inline(token.tokens))]);
    case 'list': {
      const list = element(token.ordered ? 'ol' : 'ul', (token as Tokens.List).items.map(listItem));
      if (token.ordered && Number(token.start) > 1) list.setAttribute('start', String(token.start));
      return list;
    }
    case 'code':
      return element('pre', [element('code', [document.createTextNode(token.text)])]);
    case 'blockquote':
      return element('blockquote', blocks(token.tokens));
    case 'hr':
      return element('hr');
    case 'table':
      return table(token as Tokens.Table);
    case 'html':
      return element('p', [document.createTextNode(token.text)]);
    case 'text':
      return token.tokens ? element('p', inline(token.tokens)) : element('p', [text(token.text)]);
    default:
      return null; // space, definitions
  }
}

function blocks(tokens: Token[] | undefined): Node[] {
  return (tokens ?? []).map(block).filter((node): node is Node => node !== null);
}

function listItem(item: Tokens.ListItem): HTMLLIElement {
  const children = item.tokens.flatMap((token) =>
    token.type === 'text' && !item.loose ? inline(token.tokens ?? [token]) : blocks([token]),
  );
  if (item.task) children.unshift(document.createTextNode(item.checked ? '☑ ' : '☐ '));
  return element('li', children);
}

function table(token: Tokens.Table): HTMLElement {
  const row = (cells: Tokens.TableCell[], tag: 'th' | 'td') =>
    element(
      'tr',
      cells.map((cell) => element(tag, inline(cell.tokens))),
    );
  return element('div', [
    element('table', [
      element('thead', [row(token.header, 'th')]),
      element(
        'tbody',
        token.rows.map((cells) => row(cells, 'td')),
      ),
    ]),
  ]);
}

function inline(tokens: Token[] | undefined): Node[] {
  return (tokens ?? []).flatMap((token): Node[] => {
    switch (token.type) {
      case 'strong':
        return [element('strong', inline(token.tokens))];
      case 'em':
        return [element('em', inline(token.tokens))];
      case 'del':
        return [element('del', inline(token.tokens))];
      case 'codespan':
        return [element('code', [document.createTextNode(token.text)])];
      case 'br':
        return [element('br')];
      case 'link':
        return [link(token.href, inline(token.tokens))];
      case 'image':
        return [link(token.href, [text(token.text || token.href)])];
      case 'text':
        return token.tokens ? inline(token.tokens) : [text(token.text)];
      case 'escape':
        return [document.createTextNode(token.text)];
      default:
        return [document.createTextNode(token.raw)]; // raw HTML and anything unknown: shown as typed
    }
  });
}

/** A link only to http(s) or mailto, in a new tab; anything else stays its text. */
function link(href: string, children: Node[]): Node {
  const safe = safeHref(href);
  if (!safe) return element('span', children);
  const anchor = element('a', children);
  anchor.href = safe;
  anchor.target = '_blank';
  anchor.rel = 'noopener noreferrer nofollow';
  return anchor;
}
