import { escapeHtml } from '../html.js';

/** A magic link's page: what it would do, and one button (with the match code field from another browser). */
export function magicLinkForm(action: string, view: { email: string; needsMatchCode: boolean }, error?: string): string {
  const match = view.needsMatchCode
    ? `<p>You opened this link in another browser than the chat. Type the two digits the chat shows:</p>
<label for="matchCode">Match code</label><input id="matchCode" name="matchCode" inputmode="numeric" pattern="[0-9]{2}" maxlength="2" autocomplete="off" required autofocus>`
    : '';
  return `<p>Sign the chat in as <strong>${escapeHtml(view.email)}</strong>?</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">${match}<button type="submit">Sign in</button></form>`;
}
