// Defence in depth: a payload key that names a secret is a programming error, refused before
// anything is stored or sent, whatever its value. Shared by event payloads (events/) and
// invalidation messages (bus/).
const SECRET_KEY = /(token|secret|password|verifier|private|assertion|credential$)/i;

/** Whether a payload key names a secret (events, invalidation messages): such keys are refused. */
export const namesSecret = (key: string): boolean => SECRET_KEY.test(key);
