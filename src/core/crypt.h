/*
 * crypt.h - field-level encryption of direct identifiers, keyed blind
 * indexes for exact-match lookups, and the audit-chain MAC key.
 *
 * The keys live in DIR/haven.key, never in the database, so a copy of the
 * database alone reveals no names. The file is text, mode 0600:
 *
 *   # comment lines
 *   enc <id> <64 hex>    XChaCha20-Poly1305 key; several allowed, the last
 *                        one encrypts new data, all of them decrypt
 *   index <64 hex>       BLAKE2b key for blind indexes
 *   audit <64 hex>       BLAKE2b key for the audit hash chain
 *
 * A ciphertext is: version (1) | key id (4, big-endian) | nonce (24) |
 * ciphertext + tag (16). The additional data is the 5 header bytes followed
 * by the context ("youth.first_name"), so a value cannot be moved to another
 * field or have its key id swapped without failing to decrypt.
 */
#ifndef HAVEN_CRYPT_H
#define HAVEN_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

#define CRYPT_KEYFILE      "haven.key"
#define CRYPT_VERSION      1
#define CRYPT_HEADER_BYTES 5                         /* version + key id */
#define CRYPT_OVERHEAD     (CRYPT_HEADER_BYTES + 40) /* + nonce + tag */
#define CRYPT_MAX_ENC_KEYS 256
#define CRYPT_CONTEXT_MAX  128        /* bytes in a context name */
#define CRYPT_PLAIN_MAX    (1u << 24) /* largest value crypt_encrypt() takes */
#define CRYPT_INDEX_BYTES  32
#define CRYPT_MAC_BYTES    32

typedef struct crypt_keys crypt_keys;

/*
 * Loads DIR/haven.key into *out, creating it with fresh random keys (enc id
 * 1) if it does not exist, and DIR itself (mode 0700) if that is missing.
 * HV_ERR_CONFIG if the file is malformed, not a regular file, or readable or
 * writable by group or other; HV_ERR_IO if it cannot be read or written.
 * Free the keys with crypt_free().
 */
hv_result crypt_load_or_create(const char *dir, crypt_keys **out);

/* Wipes and frees keys from crypt_load_or_create(); NULL is fine. */
void crypt_free(crypt_keys *k);

/*
 * Appends a new enc key (id = highest + 1) to DIR/haven.key, keeping the old
 * ones, by writing a new file (0600, fsync) and renaming it over the old.
 * Already-loaded crypt_keys do not see it: load again. HV_ERR_NOTFOUND if
 * there is no key file, HV_ERR_TOOBIG if it already holds
 * CRYPT_MAX_ENC_KEYS enc keys. new_id may be NULL.
 */
hv_result crypt_rotate(const char *dir, uint32_t *new_id);

/*
 * Encrypts pt[0..n) for the field named by context with the active key.
 * *ct is malloc'd (the caller frees it) and *ctlen = n + CRYPT_OVERHEAD.
 * HV_ERR_INVALID for an empty or over-long context, HV_ERR_TOOBIG above
 * CRYPT_PLAIN_MAX.
 */
hv_result crypt_encrypt(const crypt_keys *k, const char *context, const void *pt, size_t n,
                        uint8_t **ct, size_t *ctlen);

/*
 * Decrypts what crypt_encrypt() produced for the same context. *pt is
 * malloc'd with a NUL after the *ptlen plaintext bytes, so text can be used
 * as a C string; the caller frees it. HV_ERR_CRYPTO for short input, an
 * unknown version or key id, the wrong context, or any change to the bytes.
 */
hv_result crypt_decrypt(const crypt_keys *k, const char *context, const uint8_t *ct, size_t ctlen,
                        uint8_t **pt, size_t *ptlen);

/*
 * The form of a value used for exact-match lookups: leading and trailing
 * whitespace removed, inner runs of whitespace made one space, ASCII letters
 * lowercased, other bytes (UTF-8) unchanged. Always NUL-terminates when
 * outsz > 0; if out is too small the result is cut at a character boundary.
 */
void crypt_normalise(const char *in, char *out, size_t outsz);

/*
 * out = BLAKE2b-256 keyed with the index key over
 *       context || 0x00 || crypt_normalise(value).
 * Equal values of the same field give equal indexes; fields differ.
 */
hv_result crypt_blind_index(const crypt_keys *k, const char *context, const char *value,
                            uint8_t out[CRYPT_INDEX_BYTES]);

/* out = BLAKE2b-256 of data[0..n) keyed with the audit key. */
hv_result crypt_audit_mac(const crypt_keys *k, const void *data, size_t n,
                          uint8_t out[CRYPT_MAC_BYTES]);

/* The id of the key crypt_encrypt() uses; 0 if k is NULL. */
uint32_t crypt_active_key_id(const crypt_keys *k);

#endif
