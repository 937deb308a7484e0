const PREFIX = '#/components/schemas/';

/** Removes from an OpenAPI document the `components.schemas` that nothing refers to (directly or through another). */
export function dropUnusedComponents(document: object): void {
  const { components, ...rest } = document as { components?: { schemas?: Record<string, unknown> } };
  const schemas = components?.schemas;
  if (!schemas) return;
  const used = new Set<string>();
  const pending = referencesIn(rest);
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (used.has(name) || !(name in schemas)) continue;
    used.add(name);
    pending.push(...referencesIn(schemas[name]));
  }
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
}

function referencesIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) referencesIn(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(PREFIX)) found.push(child.slice(PREFIX.length));
      else referencesIn(child, found);
    }
  }
  return found;
}
