import { mount, type TesseraWidget } from './mount.js';
import { scriptOptions, type WidgetOptions } from './options.js';
import type { WidgetUser } from './profile.js';
import type { Strings } from './strings.js';
import type { Theme } from './theme.js';

export type { Strings, TesseraWidget, Theme, WidgetOptions, WidgetUser };

export interface TesseraGlobal {
  readonly version: string;
  /** Mounts a chat widget (Shadow DOM) on this page. */
  mount(options: WidgetOptions): TesseraWidget;
  /** The first widget mounted (by the script tag or `mount`), once there is one. */
  widget: TesseraWidget | null;
}

const script = document.currentScript as HTMLScriptElement | null;
const scriptOrigin = script?.src ? new URL(script.src, location.href).origin : null;
/** The on-demand chunks (Markdown, passkeys) sit next to widget.js, wherever that is hosted. */
const assetBase = script?.src ? new URL('.', new URL(script.src, location.href)).href : undefined;

const api: TesseraGlobal = {
  version: '0.1.0',
  widget: null,
  mount(options) {
    const widget = mount(options, scriptOrigin, assetBase);
    api.widget ??= widget;
    return widget;
  },
};
(globalThis as unknown as { Tessera: TesseraGlobal }).Tessera = api;

// `<script src=".../widget.js" data-tessera-key="pk_..." async>` mounts itself.
if (script && (script.dataset.tesseraKey || script.dataset.initTokenUrl)) {
  const start = () => {
    try {
      const widget = api.mount(scriptOptions(script));
      document.dispatchEvent(new CustomEvent('tessera:ready', { detail: widget }));
    } catch (error) {
      console.error(error);
    }
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}
