import type { TokenRecord, TokenStore } from "../protocol/records.js";
import type { TokenCipher } from "./crypto.js";

/**
 * The login's store seen through its token cipher: tokens are encrypted
 * before they reach the store and decrypted on the way out, so a leaked
 * database or Redis dump holds no usable WeChat token.
 */
export function sealedTokenStore(store: TokenStore, cipher: TokenCipher): TokenStore {
  const open = (record: TokenRecord): TokenRecord | undefined => {
    try {
      return {
        ...record,
        accessToken: cipher.decrypt(record.accessToken),
        refreshToken: record.refreshToken === undefined ? undefined : cipher.decrypt(record.refreshToken),
      };
    } catch {
      // Sealed under another SESSION_SECRET (rotated) or tampered with: as good as absent, the user logs in again.
      return undefined;
    }
  };
  const sealed: TokenStore = {
    async getToken(key, now) {
      const record = await store.getToken(key, now);
      return record && open(record);
    },
    putToken(record) {
      return store.putToken({
        ...record,
        accessToken: cipher.encrypt(record.accessToken),
        refreshToken: record.refreshToken === undefined ? undefined : cipher.encrypt(record.refreshToken),
      });
    },
    async expireToken(key, accessToken) {
      // Each encryption has its own IV, so compare the plaintext, then expire exactly the ciphertext read:
      // a record replaced in between no longer matches it and survives.
      const stored = await store.getToken(key, 0);
      if (!stored || open(stored)?.accessToken !== accessToken) return false;
      return store.expireToken(key, stored.accessToken);
    },
  };
  if (store.acquireLock) sealed.acquireLock = store.acquireLock.bind(store);
  return sealed;
}
