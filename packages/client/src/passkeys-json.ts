/**
 * WebAuthn's JSON forms (WebAuthn Level 3, as @simplewebauthn/browser and
 * `PublicKeyCredential.parseCreationOptionsFromJSON` take and give them): what Tessera's
 * passkey endpoints answer and accept. Binary values are base64url strings.
 */

export type PasskeyTransport = 'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';

export interface PasskeyDescriptorJSON {
  id: string;
  type: 'public-key';
  transports?: PasskeyTransport[];
}

/** `POST /v1/passkeys/registration/options`: for `navigator.credentials.create()`. */
export interface PasskeyCreationOptionsJSON {
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
  challenge: string;
  pubKeyCredParams: { alg: number; type: 'public-key' }[];
  timeout?: number;
  excludeCredentials?: PasskeyDescriptorJSON[];
  authenticatorSelection?: {
    authenticatorAttachment?: 'platform' | 'cross-platform';
    residentKey?: 'discouraged' | 'preferred' | 'required';
    requireResidentKey?: boolean;
    userVerification?: 'discouraged' | 'preferred' | 'required';
  };
  hints?: ('hybrid' | 'security-key' | 'client-device')[];
  attestation?: 'direct' | 'enterprise' | 'indirect' | 'none';
}

/** `POST /v1/passkeys/authentication/options`: for `navigator.credentials.get()`. */
export interface PasskeyRequestOptionsJSON {
  challenge: string;
  timeout?: number;
  rpId?: string;
  allowCredentials?: PasskeyDescriptorJSON[];
  userVerification?: 'discouraged' | 'preferred' | 'required';
  hints?: ('hybrid' | 'security-key' | 'client-device')[];
}

/** What `navigator.credentials.create()` gave, JSON-encoded (`RegistrationResponseJSON`). */
export interface PasskeyRegistrationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  response: {
    clientDataJSON: string;
    attestationObject: string;
    authenticatorData?: string;
    transports?: string[];
    publicKeyAlgorithm?: number;
    publicKey?: string;
  };
  clientExtensionResults: object;
  authenticatorAttachment?: string;
}

/** What `navigator.credentials.get()` gave, JSON-encoded (`AuthenticationResponseJSON`). */
export interface PasskeyAuthenticationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
  clientExtensionResults: object;
  authenticatorAttachment?: string;
}

/** One of the signed-in user's passkeys. */
export interface PasskeyInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}
