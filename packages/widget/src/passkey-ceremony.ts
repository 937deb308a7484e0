/**
 * The passkeys chunk (dist/widget-passkeys.js): the browser's WebAuthn ceremonies through
 * @simplewebauthn/browser, loaded only by pages that offer passkeys (`passkeys: true`), at mount.
 */
export { startAuthentication, startRegistration } from '@simplewebauthn/browser';
