/**
 * The value at a dotted claim path: `user_payload.custom_user_id` (Watson), `external_id`
 * (Zendesk). A key that itself contains dots (`https://example.com/user_id`, Auth0-style
 * namespaced claims) is found too: an exact key wins over descending. Own properties only.
 */
export function claimAtPath(payload: Record<string, unknown>, dottedPath: string): unknown {
  if (typeof dottedPath !== 'string' || dottedPath.length === 0 || dottedPath.length > 256) return undefined;
  return lookup(payload, dottedPath);
}

function lookup(value: unknown, path: string): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  if (Object.hasOwn(object, path)) return object[path];
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot);
    if (!Object.hasOwn(object, head)) continue;
    const found = lookup(object[head], path.slice(dot + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}
