/**
 * The demo shop's catalogue: one list for the shop's page (demo/pages.ts) and the demo agent's
 * orders (orders-tool.ts), so that a price in the chat is the price on the shelf.
 */
export interface DemoProduct {
  name: string;
  priceCents: number;
  /** The colour of its picture on the shop's page. */
  hue: number;
}

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  { name: 'Walnut desk lamp', priceCents: 8900, hue: 28 },
  { name: 'Linen throw', priceCents: 6400, hue: 200 },
  { name: 'Espresso cups (set of 4)', priceCents: 3800, hue: 12 },
  { name: 'Trail running shoes', priceCents: 12900, hue: 145 },
  { name: 'Wool beanie', priceCents: 2400, hue: 265 },
  { name: 'Cast iron skillet', priceCents: 4500, hue: 0 },
];

/** A price as the shop and the chat both show it: `$89.00`. */
export function formatDemoPrice(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}
