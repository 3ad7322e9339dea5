/*
 * normalize.c - input values to comparable ones (see normalize.h).
 */
#include "linkage/normalize.h"

#include <ctype.h>
#include <string.h>

/* ASCII for U+00C0..U+00FF (NULL: dropped). */
static const char *const latin1[64] = {
    "A", "A", "A", "A", "A", "A", "AE", "C",  "E", "E", "E", "E", "I", "I", "I",  "I",
    "D", "N", "O", "O", "O", "O", "O",  NULL, "O", "U", "U", "U", "U", "Y", "TH", "SS",
    "A", "A", "A", "A", "A", "A", "AE", "C",  "E", "E", "E", "E", "I", "I", "I",  "I",
    "D", "N", "O", "O", "O", "O", "O",  NULL, "O", "U", "U", "U", "U", "Y", "TH", "Y",
};

/* ASCII for U+0100..U+017F (Latin Extended-A), as ranges. */
static const struct {
    unsigned lo, hi;
    const char *ascii;
} latin_ext[] = {
    {0x100, 0x105, "A"}, {0x106, 0x10D, "C"},  {0x10E, 0x111, "D"}, {0x112, 0x11B, "E"},
    {0x11C, 0x123, "G"}, {0x124, 0x127, "H"},  {0x128, 0x131, "I"}, {0x132, 0x133, "IJ"},
    {0x134, 0x135, "J"}, {0x136, 0x138, "K"},  {0x139, 0x142, "L"}, {0x143, 0x14B, "N"},
    {0x14C, 0x151, "O"}, {0x152, 0x153, "OE"}, {0x154, 0x159, "R"}, {0x15A, 0x161, "S"},
    {0x162, 0x167, "T"}, {0x168, 0x173, "U"},  {0x174, 0x175, "W"}, {0x176, 0x178, "Y"},
    {0x179, 0x17E, "Z"}, {0x17F, 0x17F, "S"},
};

static const char *
fold(unsigned cp)
{
    if (cp >= 0xC0 && cp <= 0xFF)
        return latin1[cp - 0xC0];
    for (size_t i = 0; i < sizeof latin_ext / sizeof latin_ext[0]; i++)
        if (cp >= latin_ext[i].lo && cp <= latin_ext[i].hi)
            return latin_ext[i].ascii;
    return NULL;
}

size_t
norm_name(const char *s, size_t n, char *out)
{
    size_t k = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n && k < NORM_NAME_MAX;) {
        unsigned c = p[i];
        if (c < 0x80) {
            if (c >= 'a' && c <= 'z')
                out[k++] = (char)(c - 'a' + 'A');
            else if (c >= 'A' && c <= 'Z')
                out[k++] = (char)c;
            i++;
            continue;
        }
        /* a two-byte sequence covers U+0080..U+07FF: the accented Latin letters */
        if ((c & 0xE0) == 0xC0 && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
            const char *a = fold((c & 0x1F) << 6 | (p[i + 1] & 0x3F));
            for (; a && *a && k < NORM_NAME_MAX; a++)
                out[k++] = *a;
            i += 2;
            continue;
        }
        /* anything else (other scripts, symbols, broken UTF-8) is skipped */
        i++;
        while (i < n && (p[i] & 0xC0) == 0x80)
            i++;
    }
    out[k] = '\0';
    return k;
}

static int
digits(const char *s, size_t n, int *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

static int
days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

uint32_t
norm_date(const char *s)
{
    if (!s)
        return 0;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    int y, m, d;
    if (n == 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4]) {
        if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
            return 0;
    } else if (n == 10 && s[2] == '/' && s[5] == '/') {
        if (digits(s, 2, &m) || digits(s + 3, 2, &d) || digits(s + 6, 4, &y))
            return 0;
    } else if (n == 8) {
        if (digits(s, 4, &y) || digits(s + 4, 2, &m) || digits(s + 6, 2, &d))
            return 0;
    } else {
        return 0;
    }
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > days_in(y, m))
        return 0;
    return (uint32_t)(y * 10000 + m * 100 + d);
}

int
norm_age(const char *s)
{
    if (!s)
        return -1;
    while (*s == ' ')
        s++;
    int v = 0, nd = 0;
    for (; isdigit((unsigned char)*s) && nd < 4; s++, nd++)
        v = v * 10 + (*s - '0');
    while (*s == ' ')
        s++;
    if (nd == 0 || nd > 3 || *s || v > 120)
        return -1;
    return v;
}

int
norm_gender(const char *s)
{
    char w[16];
    size_t k = 0;
    if (!s)
        return 0;
    for (; *s && k < sizeof w - 1; s++)
        if (isalpha((unsigned char)*s))
            w[k++] = (char)toupper((unsigned char)*s);
    w[k] = '\0';
    if (k == 0 || strcmp(w, "U") == 0 || strcmp(w, "UNKNOWN") == 0 || strcmp(w, "NA") == 0)
        return 0;
    if (strcmp(w, "F") == 0 || strcmp(w, "FEMALE") == 0 || strcmp(w, "GIRL") == 0 ||
        strcmp(w, "W") == 0)
        return 1;
    if (strcmp(w, "M") == 0 || strcmp(w, "MALE") == 0 || strcmp(w, "BOY") == 0)
        return 2;
    return 3;
}

uint32_t
norm_zip(const char *s)
{
    uint32_t v = 0;
    int nd = 0;
    if (!s)
        return 0;
    for (; *s && nd < 5; s++) {
        if (isdigit((unsigned char)*s)) {
            v = v * 10 + (uint32_t)(*s - '0');
            nd++;
        } else if (*s != ' ') {
            return 0;
        }
    }
    return nd == 5 ? v : 0;
}

uint32_t
norm_phone(const char *s)
{
    uint64_t v = 0;
    int nd = 0;
    if (!s)
        return 0;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s)) {
            v = (v * 10 + (uint64_t)(*s - '0')) % 10000000;
            nd++;
        }
    }
    return nd >= 7 && v != 0 ? (uint32_t)v : 0;
}
