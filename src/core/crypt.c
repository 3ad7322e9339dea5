/*
 * crypt.c - the key file, XChaCha20-Poly1305 field encryption, BLAKE2b
 * blind indexes and audit MACs, all through libsodium.
 *
 * Loaded keys sit in one sodium_malloc'd block (guard pages, locked in
 * memory where allowed) made read-only once parsed. Changes to the key file
 * are made under an exclusive flock() on its directory: a new file is
 * written as haven.key.tmp (O_CREAT|O_EXCL, 0600), fsync'd, then linked
 * (create) or renamed (rotate) into place, and the directory fsync'd, so
 * readers see either the old file or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/crypt.h"

#define CRYPT_KEY_BYTES   32
#define CRYPT_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define CRYPT_TAG_BYTES   crypto_aead_xchacha20poly1305_ietf_ABYTES
#define CRYPT_FILE_MAX    (64 * 1024)
#define CRYPT_TMPFILE     CRYPT_KEYFILE ".tmp"

_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == CRYPT_KEY_BYTES, "enc key size");
_Static_assert(crypto_generichash_KEYBYTES == CRYPT_KEY_BYTES, "index key size");
_Static_assert(CRYPT_OVERHEAD == CRYPT_HEADER_BYTES + CRYPT_NONCE_BYTES + CRYPT_TAG_BYTES,
               "CRYPT_OVERHEAD");

struct crypt_keys {
    uint32_t nenc;
    uint32_t active; /* index into enc[] of the key for new writes */
    struct {
        uint32_t id;
        uint8_t key[CRYPT_KEY_BYTES];
    } enc[CRYPT_MAX_ENC_KEYS];
    uint8_t index[CRYPT_KEY_BYTES];
    uint8_t audit[CRYPT_KEY_BYTES];
    bool has_index;
    bool has_audit;
};

/* One space-separated word of a key file line; not NUL-terminated. */
typedef struct crypt_word {
    const char *p;
    size_t n;
} crypt_word;

static bool
crypt_word_is(crypt_word w, const char *s)
{
    return w.n == strlen(s) && memcmp(w.p, s, w.n) == 0;
}

/* Splits line[0..n) at spaces and tabs into at most max words; returns the
 * count, or max + 1 if there are more. */
static size_t
crypt_split(const char *line, size_t n, crypt_word *w, size_t max)
{
    size_t count = 0, i = 0;
    while (i < n) {
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == n)
            break;
        size_t start = i;
        while (i < n && line[i] != ' ' && line[i] != '\t')
            i++;
        if (count == max)
            return max + 1;
        w[count].p = line + start;
        w[count].n = i - start;
        count++;
    }
    return count;
}

static bool
crypt_parse_hexkey(crypt_word w, uint8_t key[CRYPT_KEY_BYTES])
{
    size_t binlen = 0;
    const char *end = NULL;
    if (w.n != 2 * CRYPT_KEY_BYTES)
        return false;
    if (sodium_hex2bin(key, CRYPT_KEY_BYTES, w.p, w.n, NULL, &binlen, &end) != 0)
        return false;
    return binlen == CRYPT_KEY_BYTES && end == w.p + w.n;
}

/* A key id: decimal, 1 .. UINT32_MAX - 1 (so that max + 1 still fits). */
static bool
crypt_parse_id(crypt_word w, uint32_t *id)
{
    uint64_t v = 0;
    if (w.n == 0 || w.n > 10)
        return false;
    for (size_t i = 0; i < w.n; i++) {
        if (w.p[i] < '0' || w.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(w.p[i] - '0');
    }
    if (v == 0 || v >= UINT32_MAX)
        return false;
    *id = (uint32_t)v;
    return true;
}

static const uint8_t *
crypt_find(const crypt_keys *k, uint32_t id)
{
    for (uint32_t i = 0; i < k->nenc; i++)
        if (k->enc[i].id == id)
            return k->enc[i].key;
    return NULL;
}

/* Parses key file text into k (zeroed by the caller). HV_ERR_CONFIG on any
 * malformed line, a duplicate, or a missing key. */
static hv_result
crypt_parse(const char *text, size_t len, crypt_keys *k)
{
    const char *p = text, *end = text + len;

    if (memchr(text, '\0', len) != NULL)
        return HV_ERR_CONFIG;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((eol != NULL ? eol : end) - p);
        crypt_word w[4];
        size_t nw;

        if (n > 0 && p[n - 1] == '\r')
            n--;
        nw = crypt_split(p, n, w, 3);
        p = eol != NULL ? eol + 1 : end;
        if (nw == 0 || w[0].p[0] == '#')
            continue;
        if (crypt_word_is(w[0], "enc") && nw == 3) {
            uint32_t id;
            if (k->nenc == CRYPT_MAX_ENC_KEYS || !crypt_parse_id(w[1], &id) ||
                crypt_find(k, id) != NULL || !crypt_parse_hexkey(w[2], k->enc[k->nenc].key))
                return HV_ERR_CONFIG;
            k->enc[k->nenc].id = id;
            k->active = k->nenc++;
        } else if (crypt_word_is(w[0], "index") && nw == 2) {
            if (k->has_index || !crypt_parse_hexkey(w[1], k->index))
                return HV_ERR_CONFIG;
            k->has_index = true;
        } else if (crypt_word_is(w[0], "audit") && nw == 2) {
            if (k->has_audit || !crypt_parse_hexkey(w[1], k->audit))
                return HV_ERR_CONFIG;
            k->has_audit = true;
        } else {
            return HV_ERR_CONFIG;
        }
    }
    if (k->nenc == 0 || !k->has_index || !k->has_audit)
        return HV_ERR_CONFIG;
    return HV_OK;
}

/*
 * Reads the key file under dirfd into a malloc'd buffer (*len bytes plus a
 * NUL). The caller wipes and frees it. HV_ERR_NOTFOUND if it does not exist;
 * HV_ERR_CONFIG if it is a symlink, not a regular file, too big, or open to
 * group or other.
 */
static hv_result
crypt_read_text(int dirfd, char **text, size_t *len)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    hv_result r = HV_ERR_IO;

    *text = NULL;
    *len = 0;
    int fd = openat(dirfd, CRYPT_KEYFILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? HV_ERR_NOTFOUND : errno == ELOOP ? HV_ERR_CONFIG : HV_ERR_IO;
    if (fstat(fd, &st) != 0)
        goto err;
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_size > CRYPT_FILE_MAX) {
        r = HV_ERR_CONFIG;
        goto err;
    }
    buf = malloc(CRYPT_FILE_MAX + 1);
    if (buf == NULL) {
        r = HV_ERR_NOMEM;
        goto err;
    }
    for (;;) {
        ssize_t n = read(fd, buf + got, CRYPT_FILE_MAX + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto err;
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > CRYPT_FILE_MAX) {
            r = HV_ERR_CONFIG;
            goto err;
        }
    }
    close(fd);
    buf[got] = '\0';
    *text = buf;
    *len = got;
    return HV_OK;
err:
    if (buf != NULL) {
        sodium_memzero(buf, CRYPT_FILE_MAX + 1);
        free(buf);
    }
    close(fd);
    return r;
}

static void
crypt_wipe_text(char *text)
{
    if (text != NULL) {
        sodium_memzero(text, CRYPT_FILE_MAX + 1);
        free(text);
    }
}

/* Writes text to haven.key.tmp under dirfd: new file, 0600, fsync'd. */
static hv_result
crypt_write_tmp(int dirfd, const char *text, size_t len)
{
    (void)unlinkat(dirfd, CRYPT_TMPFILE, 0); /* a leftover from a crash; we hold the lock */
    int fd =
        openat(dirfd, CRYPT_TMPFILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return HV_ERR_IO;
    if (fchmod(fd, 0600) != 0) /* whatever the umask */
        goto err;
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto err;
        off += (size_t)n;
    }
    if (fsync(fd) != 0)
        goto err;
    if (close(fd) != 0) {
        (void)unlinkat(dirfd, CRYPT_TMPFILE, 0);
        return HV_ERR_IO;
    }
    return HV_OK;
err:
    close(fd);
    (void)unlinkat(dirfd, CRYPT_TMPFILE, 0);
    return HV_ERR_IO;
}

/* Opens dir (creating it 0700 if create and it is missing) and takes the
 * exclusive lock. Returns the fd or -1 with *r set. */
static int
crypt_lock_dir(const char *dir, bool create, hv_result *r)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            *r = HV_ERR_IO;
            return -1;
        }
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (fd < 0) {
        *r = errno == ENOENT ? HV_ERR_NOTFOUND : HV_ERR_IO;
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            *r = HV_ERR_IO;
            return -1;
        }
    }
    *r = HV_OK;
    return fd;
}

static void
crypt_unlock_dir(int fd)
{
    (void)flock(fd, LOCK_UN);
    close(fd);
}

/* Creates the key file with fresh keys; the caller holds the lock. */
static hv_result
crypt_create_file(int dirfd)
{
    uint8_t key[CRYPT_KEY_BYTES];
    char hex[3][2 * CRYPT_KEY_BYTES + 1];
    char text[1024];
    hv_result r;

    crypto_aead_xchacha20poly1305_ietf_keygen(key);
    sodium_bin2hex(hex[0], sizeof hex[0], key, sizeof key);
    crypto_generichash_keygen(key);
    sodium_bin2hex(hex[1], sizeof hex[1], key, sizeof key);
    crypto_generichash_keygen(key);
    sodium_bin2hex(hex[2], sizeof hex[2], key, sizeof key);
    sodium_memzero(key, sizeof key);

    int len = snprintf(text, sizeof text,
                       "# haven key file: keys for field encryption, blind indexes and the\n"
                       "# audit chain. Keep it secret, mode 0600, and back it up apart from\n"
                       "# the database: without it the encrypted fields cannot be read.\n"
                       "# enc <id> <key>: the last enc line encrypts new data; all decrypt.\n"
                       "enc 1 %s\nindex %s\naudit %s\n",
                       hex[0], hex[1], hex[2]);
    sodium_memzero(hex, sizeof hex);
    if (len < 0 || (size_t)len >= sizeof text) {
        sodium_memzero(text, sizeof text);
        return HV_ERR_CONFIG;
    }
    r = crypt_write_tmp(dirfd, text, (size_t)len);
    sodium_memzero(text, sizeof text);
    if (r != HV_OK)
        return r;
    /* link, not rename: never replace a key file, even one made behind our back */
    if (linkat(dirfd, CRYPT_TMPFILE, dirfd, CRYPT_KEYFILE, 0) != 0)
        r = errno == EEXIST ? HV_OK : HV_ERR_IO;
    (void)unlinkat(dirfd, CRYPT_TMPFILE, 0);
    if (r == HV_OK && fsync(dirfd) != 0)
        r = HV_ERR_IO;
    return r;
}

hv_result
crypt_load_or_create(const char *dir, crypt_keys **out)
{
    crypt_keys *k = NULL;
    char *text = NULL;
    size_t len = 0;
    hv_result r;

    if (out == NULL || dir == NULL || *dir == '\0')
        return HV_ERR_INVALID;
    *out = NULL;
    if (sodium_init() < 0)
        return HV_ERR_CRYPTO;
    int dirfd = crypt_lock_dir(dir, true, &r);
    if (dirfd < 0)
        return r;
    r = crypt_read_text(dirfd, &text, &len);
    if (r == HV_ERR_NOTFOUND) {
        r = crypt_create_file(dirfd);
        if (r == HV_OK)
            r = crypt_read_text(dirfd, &text, &len);
    }
    crypt_unlock_dir(dirfd);
    if (r != HV_OK)
        goto err;

    k = sodium_malloc(sizeof *k);
    if (k == NULL) {
        r = HV_ERR_NOMEM;
        goto err;
    }
    memset(k, 0, sizeof *k);
    r = crypt_parse(text, len, k);
    if (r != HV_OK)
        goto err;
    crypt_wipe_text(text);
    (void)sodium_mprotect_readonly(k);
    *out = k;
    return HV_OK;
err:
    crypt_wipe_text(text);
    if (k != NULL)
        sodium_free(k);
    return r;
}

void
crypt_free(crypt_keys *k)
{
    if (k == NULL)
        return;
    (void)sodium_mprotect_readwrite(k);
    sodium_free(k); /* wipes before freeing */
}

hv_result
crypt_rotate(const char *dir, uint32_t *new_id)
{
    crypt_keys *k = NULL;
    char *text = NULL, *next = NULL;
    size_t len = 0;
    hv_result r;

    if (dir == NULL || *dir == '\0')
        return HV_ERR_INVALID;
    if (sodium_init() < 0)
        return HV_ERR_CRYPTO;
    int dirfd = crypt_lock_dir(dir, false, &r);
    if (dirfd < 0)
        return r;
    r = crypt_read_text(dirfd, &text, &len);
    if (r != HV_OK)
        goto out;
    k = sodium_malloc(sizeof *k);
    if (k == NULL) {
        r = HV_ERR_NOMEM;
        goto out;
    }
    memset(k, 0, sizeof *k);
    r = crypt_parse(text, len, k);
    if (r != HV_OK)
        goto out;
    if (k->nenc == CRYPT_MAX_ENC_KEYS) {
        r = HV_ERR_TOOBIG;
        goto out;
    }
    uint32_t id = 0;
    for (uint32_t i = 0; i < k->nenc; i++)
        if (k->enc[i].id > id)
            id = k->enc[i].id;
    id++; /* parse keeps ids below UINT32_MAX */

    /* old text, a newline if it lacks one, then the new line */
    uint8_t key[CRYPT_KEY_BYTES];
    char hex[2 * CRYPT_KEY_BYTES + 1];
    crypto_aead_xchacha20poly1305_ietf_keygen(key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    sodium_memzero(key, sizeof key);
    size_t cap = CRYPT_FILE_MAX + 1;
    next = malloc(cap);
    if (next == NULL) {
        sodium_memzero(hex, sizeof hex);
        r = HV_ERR_NOMEM;
        goto out;
    }
    size_t n = len;
    memcpy(next, text, len);
    if (n > 0 && next[n - 1] != '\n')
        next[n++] = '\n';
    int w = snprintf(next + n, cap - n, "enc %lu %s\n", (unsigned long)id, hex);
    sodium_memzero(hex, sizeof hex);
    if (w < 0 || (size_t)w >= cap - n || n + (size_t)w > CRYPT_FILE_MAX) {
        r = HV_ERR_TOOBIG;
        goto out;
    }
    n += (size_t)w;
    r = crypt_write_tmp(dirfd, next, n);
    if (r != HV_OK)
        goto out;
    if (renameat(dirfd, CRYPT_TMPFILE, dirfd, CRYPT_KEYFILE) != 0) {
        (void)unlinkat(dirfd, CRYPT_TMPFILE, 0);
        r = HV_ERR_IO;
        goto out;
    }
    if (fsync(dirfd) != 0) {
        r = HV_ERR_IO;
        goto out;
    }
    if (new_id != NULL)
        *new_id = id;
out:
    crypt_wipe_text(next);
    crypt_wipe_text(text);
    if (k != NULL)
        sodium_free(k);
    crypt_unlock_dir(dirfd);
    return r;
}

/* Builds the additional data: header || context. Returns its length, or 0
 * if the context is empty or too long. */
static size_t
crypt_ad(const uint8_t header[CRYPT_HEADER_BYTES], const char *context,
         uint8_t ad[CRYPT_HEADER_BYTES + CRYPT_CONTEXT_MAX])
{
    if (context == NULL)
        return 0;
    size_t clen = strnlen(context, CRYPT_CONTEXT_MAX + 1);
    if (clen == 0 || clen > CRYPT_CONTEXT_MAX)
        return 0;
    memcpy(ad, header, CRYPT_HEADER_BYTES);
    memcpy(ad + CRYPT_HEADER_BYTES, context, clen);
    return CRYPT_HEADER_BYTES + clen;
}

hv_result
crypt_encrypt(const crypt_keys *k, const char *context, const void *pt, size_t n, uint8_t **ct,
              size_t *ctlen)
{
    uint8_t ad[CRYPT_HEADER_BYTES + CRYPT_CONTEXT_MAX];

    if (ct != NULL)
        *ct = NULL;
    if (ctlen != NULL)
        *ctlen = 0;
    if (k == NULL || ct == NULL || ctlen == NULL || (pt == NULL && n > 0))
        return HV_ERR_INVALID;
    if (n > CRYPT_PLAIN_MAX)
        return HV_ERR_TOOBIG;

    uint32_t id = k->enc[k->active].id;
    uint8_t header[CRYPT_HEADER_BYTES] = {CRYPT_VERSION, (uint8_t)(id >> 24), (uint8_t)(id >> 16),
                                          (uint8_t)(id >> 8), (uint8_t)id};
    size_t adlen = crypt_ad(header, context, ad);
    if (adlen == 0)
        return HV_ERR_INVALID;

    size_t total = n + CRYPT_OVERHEAD;
    uint8_t *buf = malloc(total);
    if (buf == NULL)
        return HV_ERR_NOMEM;
    memcpy(buf, header, CRYPT_HEADER_BYTES);
    uint8_t *nonce = buf + CRYPT_HEADER_BYTES;
    randombytes_buf(nonce, CRYPT_NONCE_BYTES);
    unsigned long long clen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(buf + CRYPT_HEADER_BYTES + CRYPT_NONCE_BYTES,
                                                   &clen, pt, n, ad, adlen, NULL, nonce,
                                                   k->enc[k->active].key) != 0 ||
        clen != n + CRYPT_TAG_BYTES) {
        free(buf);
        return HV_ERR_CRYPTO;
    }
    *ct = buf;
    *ctlen = total;
    return HV_OK;
}

hv_result
crypt_decrypt(const crypt_keys *k, const char *context, const uint8_t *ct, size_t ctlen,
              uint8_t **pt, size_t *ptlen)
{
    uint8_t ad[CRYPT_HEADER_BYTES + CRYPT_CONTEXT_MAX];

    if (pt != NULL)
        *pt = NULL;
    if (ptlen != NULL)
        *ptlen = 0;
    if (k == NULL || pt == NULL || ptlen == NULL || (ct == NULL && ctlen > 0))
        return HV_ERR_INVALID;
    if (context == NULL || *context == '\0')
        return HV_ERR_INVALID;
    if (ctlen < CRYPT_OVERHEAD || ct[0] != CRYPT_VERSION)
        return HV_ERR_CRYPTO;
    size_t adlen = crypt_ad(ct, context, ad);
    if (adlen == 0)
        return HV_ERR_CRYPTO; /* too long to be one we wrote */
    uint32_t id = ((uint32_t)ct[1] << 24) | ((uint32_t)ct[2] << 16) | ((uint32_t)ct[3] << 8) |
                  (uint32_t)ct[4];
    const uint8_t *key = crypt_find(k, id);
    if (key == NULL)
        return HV_ERR_CRYPTO;

    size_t n = ctlen - CRYPT_OVERHEAD;
    uint8_t *buf = malloc(n + 1);
    if (buf == NULL)
        return HV_ERR_NOMEM;
    const uint8_t *nonce = ct + CRYPT_HEADER_BYTES;
    unsigned long long plen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(buf, &plen, NULL, nonce + CRYPT_NONCE_BYTES,
                                                   ctlen - CRYPT_HEADER_BYTES - CRYPT_NONCE_BYTES,
                                                   ad, adlen, nonce, key) != 0 ||
        plen != n) {
        sodium_memzero(buf, n + 1);
        free(buf);
        return HV_ERR_CRYPTO;
    }
    buf[n] = '\0';
    *pt = buf;
    *ptlen = n;
    return HV_OK;
}

static bool
crypt_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Bytes in the UTF-8 sequence led by c (1 for ASCII and stray bytes). */
static size_t
crypt_seq_len(unsigned char c)
{
    if (c >= 0xf0 && c <= 0xf7)
        return 4;
    if (c >= 0xe0)
        return c <= 0xef ? 3 : 1;
    if (c >= 0xc0)
        return 2;
    return 1;
}

void
crypt_normalise(const char *in, char *out, size_t outsz)
{
    size_t o = 0;
    bool space = false;

    if (out == NULL || outsz == 0)
        return;
    if (in == NULL) {
        out[0] = '\0';
        return;
    }
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        unsigned char c = *p;
        if (crypt_is_space(c)) {
            space = o > 0; /* leading whitespace is dropped */
            continue;
        }
        /* room for a pending space, the whole character, and the NUL */
        size_t need = (space ? 1 : 0) + ((c & 0xc0) == 0x80 ? 1 : crypt_seq_len(c));
        if (o + need >= outsz)
            break;
        if (space) {
            out[o++] = ' ';
            space = false;
        }
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        out[o++] = (char)c;
    }
    out[o] = '\0';
}

hv_result
crypt_blind_index(const crypt_keys *k, const char *context, const char *value,
                  uint8_t out[CRYPT_INDEX_BYTES])
{
    crypto_generichash_state st;
    static const unsigned char sep = 0;

    if (k == NULL || context == NULL || value == NULL || out == NULL)
        return HV_ERR_INVALID;
    size_t clen = strnlen(context, CRYPT_CONTEXT_MAX + 1);
    if (clen == 0 || clen > CRYPT_CONTEXT_MAX)
        return HV_ERR_INVALID;
    size_t vlen = strlen(value);
    if (vlen > CRYPT_PLAIN_MAX)
        return HV_ERR_TOOBIG;
    char *norm = malloc(vlen + 1); /* normalising never lengthens */
    if (norm == NULL)
        return HV_ERR_NOMEM;
    crypt_normalise(value, norm, vlen + 1);

    hv_result r = HV_OK;
    if (crypto_generichash_init(&st, k->index, CRYPT_KEY_BYTES, CRYPT_INDEX_BYTES) != 0 ||
        crypto_generichash_update(&st, (const unsigned char *)context, clen) != 0 ||
        crypto_generichash_update(&st, &sep, 1) != 0 ||
        crypto_generichash_update(&st, (const unsigned char *)norm, strlen(norm)) != 0 ||
        crypto_generichash_final(&st, out, CRYPT_INDEX_BYTES) != 0)
        r = HV_ERR_CRYPTO;
    sodium_memzero(&st, sizeof st);
    sodium_memzero(norm, vlen + 1);
    free(norm);
    return r;
}

hv_result
crypt_audit_mac(const crypt_keys *k, const void *data, size_t n, uint8_t out[CRYPT_MAC_BYTES])
{
    if (k == NULL || out == NULL || (data == NULL && n > 0))
        return HV_ERR_INVALID;
    if (crypto_generichash(out, CRYPT_MAC_BYTES, data, n, k->audit, CRYPT_KEY_BYTES) != 0)
        return HV_ERR_CRYPTO;
    return HV_OK;
}

uint32_t
crypt_active_key_id(const crypt_keys *k)
{
    return k == NULL ? 0 : k->enc[k->active].id;
}
