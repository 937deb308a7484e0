import type { UserInfo } from '@tessera/client';
import { t, type Strings } from './strings.js';
import type { Theme } from './theme.js';

/** Everything `Tessera.mount()` takes; the script tag's `data-*` attributes map onto it. */
export interface WidgetOptions {
  /** Tessera's base URL. Default: the origin that served widget.js (`data-tessera-url`). */
  url?: string;
  /** The tenant's publishable key, `pk_...` (`data-tessera-key`). */
  publishableKey?: string;
  /**
   * Partner embedding (`data-init-token-url`): the widget POSTs here (same-origin
   * credentials) and expects `{"initToken": "..."}` minted by the partner's backend,
   * then starts its session with it. No publishable key is needed.
   */
  initTokenUrl?: string;
  /**
   * Where the session lives (`data-token-storage`). `auto` (default): an httpOnly
   * cookie when the page and Tessera share an origin, else localStorage with a
   * short idle lifetime.
   */
  tokenStorage?: 'auto' | 'cookie' | 'local';
  /** localStorage mode: tokens unused this long are dropped (`data-storage-max-idle-minutes`). Default 60. */
  storageMaxIdleMinutes?: number;
  /** Shows a small email + password form for the tenant's hosted accounts (`data-hosted-accounts`). */
  hostedAccounts?: boolean;
  /**
   * Offers passkeys (`data-passkeys`): "Use a passkey" in the sign-in card, "Add a passkey" after sign-in.
   * The page must be on the tenant's passkey RP ID (by default Tessera's own host) or a subdomain of it.
   */
  passkeys?: boolean;
  /**
   * Offers sign-in by email (`data-email-sign-in`): "Email me a code" and "Email me a link" in the
   * sign-in cards. Turn it on only when the tenant can send mail (SMTP, or the demo mailbox):
   * Tessera does not tell the widget yet. Default false.
   */
  emailSignIn?: boolean;
  /**
   * Called when the visitor presses "Sign in". Log them in on your page and hand
   * your identity token to `widget.linkFromMainApp(token)`, or resolve with it.
   */
  onLoginRequested?: () => unknown;
  /** The visitor signed in inside the chat. */
  onAuthenticated?: (user: UserInfo) => void;
  /** The visitor signed out from the chat (sign your page out too, if you like). */
  onLogout?: () => void;
  /** Panel title (`data-title`). */
  title?: string;
  /** First line shown in an empty conversation (`data-greeting`). */
  greeting?: string;
  /** Open the panel at once (`data-open`). */
  open?: boolean;
  /** Corner (`data-position`). Default right. */
  position?: 'right' | 'left';
  /** Accent colour, any CSS colour (`data-accent-color`); the same as `theme: {accent}`. */
  accentColor?: string;
  /**
   * The look, as the widget's CSS custom properties without their `--tessera-` prefix:
   * `{accent, accentText, text, muted, background, surface, border, font, fontSize, radius}`.
   */
  theme?: Theme;
  /** The language (`data-locale`), e.g. `fr` or `en-GB`. Default: the browser's (`navigator.languages`); English and French are built in. */
  locale?: string;
  /** Your own wording for single strings (see strings-en.ts for the keys), over the language's table. */
  strings?: Partial<Strings>;
  /** Where the widget's host element goes. Default `document.body`. */
  container?: Element;
}

export interface ResolvedOptions extends WidgetOptions {
  url: string;
  mode: 'cookie' | 'local' | 'partner';
  title: string;
  greeting: string;
  position: 'right' | 'left';
  storageMaxIdleMinutes: number;
  theme: Theme;
}

export function resolveOptions(options: WidgetOptions, scriptOrigin: string | null): ResolvedOptions {
  const url = (options.url ?? scriptOrigin ?? location.origin).replace(/\/+$/, '');
  const tessera = new URL(url, location.href).origin;
  if (!options.initTokenUrl && !options.publishableKey) {
    throw new Error('Tessera widget: give a publishableKey (data-tessera-key) or an initTokenUrl (data-init-token-url)');
  }
  const storage = options.tokenStorage ?? 'auto';
  const mode = options.initTokenUrl
    ? 'partner'
    : storage === 'cookie' || (storage === 'auto' && tessera === location.origin)
      ? 'cookie'
      : 'local';
  return {
    ...options,
    url: tessera,
    mode,
    title: options.title ?? t.title,
    greeting: options.greeting ?? t.greeting,
    position: options.position === 'left' ? 'left' : 'right',
    storageMaxIdleMinutes: options.storageMaxIdleMinutes ?? 60,
    theme: { ...(options.accentColor && { accent: options.accentColor }), ...options.theme },
  };
}

/** Options from the script tag, merged over `window.tesseraSettings` (where callbacks go). */
export function scriptOptions(script: HTMLScriptElement): WidgetOptions {
  const data = script.dataset;
  const flag = (value: string | undefined) => (value === undefined ? undefined : value !== 'false');
  const settings = ((globalThis as { tesseraSettings?: WidgetOptions }).tesseraSettings ?? {}) as WidgetOptions;
  const minutes = Number(data.storageMaxIdleMinutes);
  const fromTag: WidgetOptions = {
    url: data.tesseraUrl,
    publishableKey: data.tesseraKey,
    initTokenUrl: data.initTokenUrl,
    tokenStorage: data.tokenStorage as WidgetOptions['tokenStorage'],
    storageMaxIdleMinutes: Number.isFinite(minutes) && minutes > 0 ? minutes : undefined,
    hostedAccounts: flag(data.hostedAccounts),
    passkeys: flag(data.passkeys),
    emailSignIn: flag(data.emailSignIn),
    title: data.title,
    greeting: data.greeting,
    open: flag(data.open),
    position: data.position as WidgetOptions['position'],
    accentColor: data.accentColor,
    locale: data.locale,
  };
  const merged: WidgetOptions = { ...settings };
  for (const [key, value] of Object.entries(fromTag)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return merged;
}
