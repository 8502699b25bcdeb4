export { generateSigningKeyPair, SIGNING_KEY_FILE, VERIFY_KEY_FILE, writeSigningKeyPair } from './signing-keys.js';
