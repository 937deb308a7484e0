/**
 * The widget's look, as CSS custom properties on its root: the `theme` option sets them (keys
 * without the prefix: `{accent: '#0b6e4f', radius: '6px'}`), and so can the page's own CSS
 * (`tessera-chat { --tessera-accent: #0b6e4f }`: custom properties cross the shadow boundary).
 */
export const THEME_PROPERTIES = [
  'accent',
  'accent-text',
  'text',
  'muted',
  'background',
  'surface',
  'border',
  'font',
  'font-size',
  'radius',
] as const;

export type ThemeProperty = (typeof THEME_PROPERTIES)[number];
export type Theme = Partial<Record<ThemeProperty | 'accentText' | 'fontSize', string>>;

/** One declaration's value, nothing that could end it or load anything. */
const SAFE_VALUE = /^[#(),.%\w\s"'-]{1,100}$/;

export function applyTheme(root: HTMLElement, theme: Theme = {}): void {
  for (const [key, value] of Object.entries(theme)) {
    const name = key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`) as ThemeProperty;
    if (!THEME_PROPERTIES.includes(name) || typeof value !== 'string' || !SAFE_VALUE.test(value) || /url\s*\(/i.test(value)) continue;
    root.style.setProperty(`--tessera-${name}`, value);
  }
}
